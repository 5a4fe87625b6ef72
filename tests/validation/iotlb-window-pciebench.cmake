# The IOTLB calibration sweep has the shape of hw-iommu.md §3.1 (pcie-bench data):
# tag-bound (Little's law) inside the IOTLB's reach, a knee between 256 KiB and a few
# MiB, a miss-bound floor of 17-22 M reads/s, and flat 2 MiB mappings.
# -DSIM=exe -DSCENARIO=file -DOUT=dir
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${SIM} sweep ${SCENARIO} -j 2 -o ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sweep exited ${rc}\n${table}\n${err}")
endif()
file(READ ${OUT}/sweep.json json)

# A JSON number as thousandths (CMake has integer arithmetic only).
function(milli value out)
  string(REGEX MATCH "^([0-9]+)\\.?([0-9]*)" _ "${value}")
  set(frac "${CMAKE_MATCH_2}000")
  string(SUBSTRING "${frac}" 0 3 frac)
  math(EXPR v "${CMAKE_MATCH_1} * 1000 + 1${frac} - 1000")
  set(${out} ${v} PARENT_SCOPE)
endfunction()

string(JSON n LENGTH "${json}" summary)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON backing GET "${json}" summary ${i} vary host.memory.guest.backing)
  string(JSON window GET "${json}" summary ${i} vary devices.dev0.dma.reads.region.length)
  string(JSON g GET "${json}" summary ${i} stats dev.dev0.goodput_gbps mean)
  string(JSON p50 GET "${json}" summary ${i} stats dev.dev0.read_latency_ns.p50 mean)
  milli(${g} gm)
  set(G_${backing}_${window} ${gm})
  milli(${p50} lat)
  math(EXPR lat "${lat} / 1000")
  set(P50_${backing}_${window} ${lat})
endforeach()

# Reads/s = Gb/s * 1e9 / 512 bits; with 32 tags, Little's law: reads/s = 32 / latency.
math(EXPR little "${G_4KiB_64KiB} * ${P50_4KiB_64KiB}")  # = 16384000 when exact
if(little LESS 14745600 OR little GREATER 18022400)
  message(FATAL_ERROR "small window: ${G_4KiB_64KiB} mGb/s at p50 ${P50_4KiB_64KiB} ns is not "
                      "within 10% of Little's law\n${table}")
endif()
# Floor: 17-22 M reads/s = 8704-11264 mGb/s at 64 MiB.
if(G_4KiB_64MiB LESS 8704 OR G_4KiB_64MiB GREATER 11264)
  message(FATAL_ERROR "64 MiB window: ${G_4KiB_64MiB} mGb/s is not 17-22 M reads/s\n${table}")
endif()
# The knee: 256 KiB still within 10% of the small window, 1 MiB below 90% of it, and
# by 8 MiB within 15% of the floor.
math(EXPR hi "${G_4KiB_64KiB} * 9 / 10")
math(EXPR floor_band "${G_4KiB_64MiB} * 115 / 100")
if(G_4KiB_256KiB LESS hi OR NOT G_4KiB_1MiB LESS hi OR G_4KiB_8MiB GREATER floor_band)
  message(FATAL_ERROR "the knee is not between 256 KiB and a few MiB\n${table}")
endif()
# 2 MiB mappings: flat to 64 MiB (within 5%).
math(EXPR flat "${G_2MiB_64KiB} * 95 / 100")
if(G_2MiB_64MiB LESS flat)
  message(FATAL_ERROR "2 MiB mappings are not flat\n${table}")
endif()
message(STATUS "${table}")
