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
# Resume: a point killed before it wrote its exit code runs again, the finished ones
# are kept, a point folder that is not part of the sweep goes; same sweep.csv.
file(READ ${OUT}/a/sweep.csv before)
file(REMOVE ${OUT}/a/point-001-seed-2/exit_code)
file(TOUCH ${OUT}/a/point-000-seed-1/kept)
file(MAKE_DIRECTORY ${OUT}/a/point-007)
execute_process(COMMAND ${SIM} sweep ${SCENARIO} --vary platform.iommu.invalidation.wait=100ns,800ns
                        --seeds 2 -o ${OUT}/a
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
file(READ ${OUT}/a/sweep.csv after)
if(NOT rc EQUAL 0 OR NOT err MATCHES "3 of 4 runs already done[^\n]*running 1"
   OR NOT EXISTS ${OUT}/a/point-000-seed-1/kept OR EXISTS ${OUT}/a/point-007
   OR NOT before STREQUAL after)
  message(FATAL_ERROR "the resume did not run exactly the killed point (exit ${rc}):\n${err}")
endif()
# Another grid into the same folder: a point whose configuration changed runs again.
execute_process(COMMAND ${SIM} sweep ${SCENARIO} --vary platform.iommu.invalidation.wait=100ns,400ns
                        --seeds 2 -j 2 -o ${OUT}/a
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "2 of 4 runs already done[^\n]*running 2"
   OR NOT table MATCHES "400ns")
  message(FATAL_ERROR "a changed point was kept, or a same one re-run (exit ${rc}):\n${err}")
endif()
# Collect by hand on a partly finished sweep: the missing run is named, exit 1.
file(REMOVE_RECURSE ${OUT}/a/point-000-seed-2)
execute_process(COMMAND ${SIM} sweep --collect ${OUT}/a
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
file(READ ${OUT}/a/sweep.csv csv)
if(NOT rc EQUAL 1 OR NOT err MATCHES "1 of 4 runs missing: point-000-seed-2"
   OR NOT csv MATCHES "point-000-seed-2,2,100ns,-1,missing")
  message(FATAL_ERROR "collect did not name the missing run (exit ${rc}):\n${err}\n${csv}")
endif()
# No sbatch on the PATH: exit 2 before anything is written.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PATH=/nonexistent
                        ${SIM} sweep ${SCENARIO} --backend slurm -o ${OUT}/c
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "sbatch is not on the PATH" OR EXISTS ${OUT}/c)
  message(FATAL_ERROR "no sbatch must be exit 2 with nothing written (exit ${rc}):\n${err}")
endif()
