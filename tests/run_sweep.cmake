# iommu-sim sweep over the quickstart: the grid, the seeds, the reports, and a point
# that fails keeps its row with the error.
# -DSIM=exe -DSCENARIO=file -DOUT=dir
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${SIM} sweep ${SCENARIO} --vary platform.iommu.invalidation.wait=100ns,800ns
                        --seeds 2 -j 2 -o ${OUT}/a
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sweep exited ${rc}\n${table}\n${err}")
endif()
file(STRINGS ${OUT}/a/sweep.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 5)
  message(FATAL_ERROR "sweep.csv has ${n} lines, expected a header and 4 rows")
endif()
if(NOT table MATCHES "100ns[^\n]*200" OR NOT table MATCHES "800ns[^\n]*896")
  message(FATAL_ERROR "the table does not show sync p99 following the wait cost:\n${table}")
endif()
execute_process(COMMAND ${SIM} sweep ${SCENARIO} --vary devices.nic0.dma.rx.size=256,1500 -o ${OUT}/b
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "a failing point must make sweep exit 1, got ${rc}")
endif()
file(READ ${OUT}/b/sweep.csv csv)
if(NOT csv MATCHES "point-000,1,256,1,[^\n]*check failed")
  message(FATAL_ERROR "the failing point lost its row or its error:\n${csv}")
endif()
