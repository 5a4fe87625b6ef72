# A malformed scenario must be refused with exit 2 and a message naming the place.
# The file's first line is "# expect: TEXT": TEXT must appear in stderr.
# -DSIM=exe -DSCENARIO=file [-DEXTRA="--set;a=b"]
file(STRINGS ${SCENARIO} first LIMIT_COUNT 1)
string(REGEX REPLACE "^# expect: " "" expected "${first}")
execute_process(COMMAND ${SIM} run ${SCENARIO} ${EXTRA} -o ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "exit ${rc}, expected 2\nstdout:\n${out}\nstderr:\n${err}")
endif()
string(FIND "${err}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "stderr lacks '${expected}':\n${err}")
endif()
if(NOT "${out}" STREQUAL "")
  message(FATAL_ERROR "stdout must stay empty on bad input, got:\n${out}")
endif()
