# Shared by the validation tests (one per scenarios/validation/*.yaml): runs the
# scenario's own sweep and gives its sweep.json as `json`, the printed table as `table`.
# -DSIM=exe -DSCENARIO=file -DOUT=dir
include(${CMAKE_CURRENT_LIST_DIR}/../sweep_json.cmake)

# A JSON number as thousandths (CMake has integer arithmetic only).
function(milli value out)
  string(REGEX MATCH "^([0-9]+)\\.?([0-9]*)" _ "${value}")
  set(frac "${CMAKE_MATCH_2}000")
  string(SUBSTRING "${frac}" 0 3 frac)
  math(EXPR v "${CMAKE_MATCH_1} * 1000 + 1${frac} - 1000")
  set(${out} ${v} PARENT_SCOPE)
endfunction()

# Point i's mean of STAT, in thousandths.
function(point_stat i stat out)
  string(JSON v GET "${json}" summary ${i} stats ${stat} mean)
  milli(${v} m)
  set(${out} ${m} PARENT_SCOPE)
endfunction()

# Fails with the table when VALUE is outside [LO, HI].
function(band what value lo hi)
  if(value LESS lo OR value GREATER hi)
    message(FATAL_ERROR "${what}: ${value} is outside [${lo}, ${hi}]\n${table}")
  endif()
  message(STATUS "${what}: ${value} in [${lo}, ${hi}]")
endfunction()

string(JSON points LENGTH "${json}" summary)
math(EXPR last_point "${points} - 1")
