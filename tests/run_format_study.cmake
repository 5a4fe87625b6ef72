# The formats study through `iommu-sim sweep`: no format loses a page at any seed,
# and amd-v1's replicated 64 KiB leaves need under a tenth of vtd-ss's walks (the
# IOTLB's reach) while copying more pages (dirty granularity is the leaf's size).
# -DSIM=exe -DSCENARIO=file -DOUT=dir
include(${CMAKE_CURRENT_LIST_DIR}/sweep_json.cmake)
string(JSON n LENGTH "${json}" summary)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON f GET "${json}" summary ${i} vary platform.iommu.format)
  string(JSON lost GET "${json}" summary ${i} stats migration.lost_pages max)
  string(JSON unexplained GET "${json}" summary ${i} stats migration.unexplained_losses max)
  string(JSON walks GET "${json}" summary ${i} stats iommu.walks mean)
  string(JSON copied GET "${json}" summary ${i} stats migration.pages_copied mean)
  if(NOT lost EQUAL 0 OR NOT unexplained EQUAL 0)
    message(FATAL_ERROR "${f} lost ${lost} pages (${unexplained} unexplained):\n${table}")
  endif()
  string(REPLACE "-" "_" key ${f})
  # Means over seeds: their whole part is enough here.
  string(REGEX REPLACE "\\..*" "" walks_${key} "${walks}")
  string(REGEX REPLACE "\\..*" "" copied_${key} "${copied}")
endforeach()
math(EXPR tenth "${walks_vtd_ss} / 10")
if(NOT walks_amd_v1 LESS tenth OR NOT copied_amd_v1 GREATER copied_vtd_ss)
  message(FATAL_ERROR "amd-v1: ${walks_amd_v1} walks, ${copied_amd_v1} copied; vtd-ss: "
                      "${walks_vtd_ss} walks, ${copied_vtd_ss} copied\n${table}")
endif()
message(STATUS "${table}")
