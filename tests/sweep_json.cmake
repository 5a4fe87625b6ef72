# Shared by the study and validation tests: runs the scenario's sweep (its own grid,
# or ARGS) and gives its sweep.json as `json` and the printed table as `table`.
# -DSIM=exe -DSCENARIO=file -DOUT=dir [-DARGS=extra;sweep;flags]
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${SIM} sweep ${SCENARIO} -j 2 -o ${OUT} ${ARGS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE table ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sweep exited ${rc}\n${table}\n${err}")
endif()
file(READ ${OUT}/sweep.json json)
