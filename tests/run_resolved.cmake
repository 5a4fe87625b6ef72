# config.resolved.yaml re-runs to identical bytes: run a scenario, run its resolved
# configuration, compare stats.json and trace.txt.
# -DSIM=exe -DSCENARIO=file -DOUT=dir
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${SIM} run ${SCENARIO} -o ${OUT}/a --trace text RESULT_VARIABLE rc1
                OUTPUT_QUIET ERROR_QUIET)
execute_process(COMMAND ${SIM} run ${OUT}/a/config.resolved.yaml -o ${OUT}/b --trace text
                RESULT_VARIABLE rc2 OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc1 EQUAL rc2)
  message(FATAL_ERROR "exit codes differ: ${rc1} vs ${rc2}\n${err}")
endif()
foreach(f stats.json trace.txt config.resolved.yaml)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/a/${f} ${OUT}/b/${f} RESULT_VARIABLE d)
  if(NOT d EQUAL 0)
    message(FATAL_ERROR "${f} differs when re-run from config.resolved.yaml")
  endif()
endforeach()
