# scenarios/tracker-study.yaml through its own sweep: what README "The tracker study"
# says of it. Every tracker loses nothing and every loss would be explained; the
# trackers without D bits set none; a device tracking fewer ranges tracks more holes
# and writes bigger bitmaps per report, and one tracking all six mapped ranges none;
# the 64-entry ring overflows and falls back to the scan, the 4096-entry one never
# does; type1 copies every mapped page every round; 2 MiB leaves over-report and do
# not converge unless split; per_pte sends more descriptors than gather. It prints the
# README's table.
# -DSIM=exe -DSCENARIO=file -DOUT=dir
include(${CMAKE_CURRENT_LIST_DIR}/sweep_json.cmake)

function(fail what)
  message(FATAL_ERROR "${what}\n${table}")
endfunction()

# Point i's mean of STAT, its integer part; 0 when the point has no such statistic.
function(stat i name out)
  string(JSON v ERROR_VARIABLE e GET "${json}" summary ${i} stats ${name} mean)
  if(e)
    set(v 0)
  endif()
  string(REGEX MATCH "^[0-9]+" v "${v}")
  set(${out} ${v} PARENT_SCOPE)
endfunction()

set(cases iommu/gather iommu/per_pte device/1 device/4 device/256 iommu_log/64 iommu_log/4096
          type1 2M/nosplit 2M/split)
string(JSON n LENGTH "${json}" summary)
list(LENGTH cases want)
if(NOT n EQUAL want)
  fail("expected ${want} cases, got ${n}")
endif()
set(readme "| tracker | rounds | harvest time | downtime | pages copied | over-reported | holes tracked | PCIe bytes for tracking | lost |\n|---|---|---|---|---|---|---|---|---|\n")
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON c GET "${json}" summary ${i} vary case)
  list(GET cases ${i} expected)
  if(NOT c STREQUAL expected)
    fail("case ${i} is ${c}, expected ${expected}")
  endif()
  string(REGEX REPLACE "[/]" "_" k "${c}")
  foreach(m migration.lost_pages migration.unexplained_losses host.steps_failed iommu.faults)
    stat(${i} ${m} v)
    if(NOT v EQUAL 0)
      fail("${c}: ${m} is ${v}, expected 0")
    endif()
  endforeach()
  foreach(m migration.rounds migration.harvest_ns migration.downtime_ns migration.pages_copied
            migration.over_reported_pages migration.device_log.gap_pages iommu.ad.dirty_sets
            iommu.inv.descriptors migration.iommu_log.fallback_scans migration.iommu_log.entries
            dev.nic0.dma_log.report_bytes dev.ssd0.dma_log.report_bytes dev.nic0.dma_log.reports
            dev.ssd0.dma_log.reports)
    string(REGEX REPLACE "^.*[.]" "" short "${m}")
    string(REGEX MATCH "^dev[.][a-z0-9]+" dev "${m}")
    if(dev)
      string(REPLACE "." "_" dev "${dev}")
      set(short "${dev}_${short}")
    endif()
    stat(${i} ${m} ${short}_${k})
  endforeach()
  math(EXPR PCIE_${k} "${dev_nic0_report_bytes_${k}} + ${dev_ssd0_report_bytes_${k}}")
  math(EXPR REPORTS_${k} "${dev_nic0_reports_${k}} + ${dev_ssd0_reports_${k}}")
  math(EXPR h_us "${harvest_ns_${k}} / 1000")
  math(EXPR d_us "${downtime_ns_${k}} / 1000")
  string(APPEND readme "| ${c} | ${rounds_${k}} | ${h_us} us | ${d_us} us | ${pages_copied_${k}} "
         "| ${over_reported_pages_${k}} | ${gap_pages_${k}} | ${PCIE_${k}} | 0 |\n")
endforeach()

# No D bit where no tracker reads them; no bitmap up a link where no device logs.
foreach(k device_1 device_4 device_256 type1)
  if(NOT dirty_sets_${k} EQUAL 0)
    fail("${k}: ${dirty_sets_${k}} D bits set with the HWPT's dirty tracking off")
  endif()
endforeach()
foreach(k iommu_gather iommu_per_pte iommu_log_64 iommu_log_4096 type1 2M_nosplit 2M_split)
  if(NOT PCIE_${k} EQUAL 0)
    fail("${k}: ${PCIE_${k}} bytes of DMA-log reports without device logging")
  endif()
endforeach()
# Device logging: fewer ranges, more holes tracked and bigger bitmaps per report; all
# six mapped ranges fit 256, so no hole.
if(NOT gap_pages_device_1 GREATER gap_pages_device_4 OR NOT gap_pages_device_4 GREATER 0 OR
   NOT gap_pages_device_256 EQUAL 0)
  fail("holes tracked: 1 range ${gap_pages_device_1}, 4 ranges ${gap_pages_device_4}, 256 "
       "ranges ${gap_pages_device_256}; expected falling to 0")
endif()
foreach(k device_1 device_4 device_256)
  if(REPORTS_${k} EQUAL 0)
    fail("${k}: no DMA-log report")
  endif()
  math(EXPR PER_${k} "${PCIE_${k}} / ${REPORTS_${k}}")
endforeach()
if(NOT PER_device_1 GREATER PER_device_4 OR NOT PER_device_4 GREATER PER_device_256)
  fail("bitmap bytes per report: ${PER_device_1} (1 range), ${PER_device_4} (4), "
       "${PER_device_256} (256); expected falling")
endif()
if(NOT REPORTS_device_1 LESS REPORTS_device_256)
  fail("1 range made ${REPORTS_device_1} reports, 256 ranges ${REPORTS_device_256}")
endif()
# The dirty-log ring: a 64-entry one overflows and falls back to the scan; 4096 entries
# hold every round's appends.
if(NOT fallback_scans_iommu_log_64 GREATER 0)
  fail("the 64-entry ring never fell back to the scan")
endif()
if(NOT fallback_scans_iommu_log_4096 EQUAL 0 OR NOT entries_iommu_log_4096 GREATER 0)
  fail("the 4096-entry ring: ${fallback_scans_iommu_log_4096} fallbacks, "
       "${entries_iommu_log_4096} entries read")
endif()
# type1: every mapped page (8192) in round 0, every round and the final copy.
math(EXPR all "8192 * (${rounds_type1} + 2)")
if(NOT pages_copied_type1 EQUAL all)
  fail("type1 copied ${pages_copied_type1} pages, expected ${all}")
endif()
# 2 MiB leaves: each write reports 512 pages; split, the migration converges.
if(NOT over_reported_pages_2M_nosplit GREATER 10000 OR NOT rounds_2M_nosplit EQUAL 20)
  fail("2 MiB leaves: ${over_reported_pages_2M_nosplit} over-reported, ${rounds_2M_nosplit} rounds")
endif()
math(EXPR tenth "${over_reported_pages_2M_nosplit} / 10")
if(NOT rounds_2M_split LESS 20 OR NOT over_reported_pages_2M_split LESS tenth)
  fail("2 MiB split to 4 KiB: ${rounds_2M_split} rounds, ${over_reported_pages_2M_split} "
       "over-reported (unsplit: ${over_reported_pages_2M_nosplit})")
endif()
foreach(k device_1 device_4 device_256 iommu_log_64 iommu_log_4096 iommu_per_pte 2M_split)
  # Any exact tracker's over-report is the writes between a round's harvest and its copy.
  math(EXPR bound "${over_reported_pages_iommu_gather} * 2")
  if(over_reported_pages_${k} GREATER bound)
    fail("${k} over-reported ${over_reported_pages_${k}} pages, gather ${over_reported_pages_iommu_gather}")
  endif()
endforeach()
if(NOT descriptors_iommu_per_pte GREATER descriptors_iommu_gather)
  fail("per_pte sent ${descriptors_iommu_per_pte} descriptors, gather ${descriptors_iommu_gather}")
endif()
message(STATUS "${table}\n${readme}")
