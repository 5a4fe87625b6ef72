# Randomized migration properties (issue: reliability): random workloads, mappings,
# page-table formats, policies, trackers and quanta on the migration-quick platform. For
# every case:
#   - a correct policy loses no page, huge leaves split or not (`split_to`), and neither
#     does device DMA logging (whatever the flush policy, which it does not use; its
#     ranges limit and log capacity random, an overflow counting the range dirty whole);
#   - with mapping churn (a quarter of the cases run migration-churn.yaml with the iommu
#     tracker: the storage writer's buffers remapped during the migration), QEMU's
#     NO_CLEAR-then-unmap order loses nothing while no DMA is in flight at an unmap; a
#     plain unmap, or the writer still running, is a negative control; a third of them
#     move each buffer to a second window and back (`move_to`) instead of remapping it
#     in place;
#   - with nesting (a quarter of the other cases run nested-migration.yaml: nic0 through
#     a nested HWPT whose guest remaps its buffers, strict or lazy, per packet or per
#     buffer, over a stage 2 of any format and backing), a correct policy loses nothing,
#     the guest's table pages and the walker's stage-1 A/D writes included;
#   - the what-if IOMMU dirty-log ring (tracker: iommu_log, its ring 64 or 4096
#     entries: small ones overflow and fall back to the scan) loses no page under a
#     correct policy, deferred (sticky) included: its harvests also ask for the pages
#     still waiting for their flush (a drawn none or off-by-one becomes gather);
#   - a negative control's every loss is explained by a hazard;
#   - the stats are byte-identical under two quanta (the verdict and the stale-hit
#     count included).
# -DSIM=exe -DSCENARIO=scenarios/migration-quick.yaml -DOUT=dir -DCASES=n [-DFIRST=k]
# [-DEXPECT=regex: every case's description must match it]
# (the churn cases run migration-churn.yaml from SCENARIO's folder)
if(NOT DEFINED FIRST)
  set(FIRST 1)
endif()
math(EXPR last "${FIRST} + ${CASES} - 1")
set(policies gather per_pte runs ranges window domain deferred none per_pte_off_by_one)
set(quanta 0 100ns 1us 10us)
set(rings 64KiB 256KiB 1MiB 4MiB)
set(logs 1MiB 8MiB 16MiB)
set(patterns random sequential zipf)
set(backings 4KiB 4KiB 2MiB)
set(rates 2Gb/s 10Gb/s 25Gb/s)
set(formats vtd-ss amd-v1 arm-s1)
set(splits none none 4KiB)
set(workloads quick quick quick churn)
set(unmaps no_clear_then_unmap no_clear_then_unmap plain)
set(churn_intervals 10us 20us 50us)
set(churn_patterns sequential random)
set(writer_stops 2ms 2ms 30ms)
set(churn_moves no no yes)
# iommu twice as often: the flush policies' cases stay the bulk.
set(trackers iommu iommu device auto iommu_log)
set(nestings no no no yes)
set(guest_modes strict lazy)
set(guest_maps per_packet per_packet per_buffer)
set(dirty_log_entries 64 4096)
set(log_ranges 1 2 4)
set(log_capacities 64 4096 1048576)
# A deterministic pick from a list for case `seed` and a (numeric) salt.
function(pick list seed salt out)
  math(EXPR s "${seed} * 7919 + ${salt} * 104729")
  string(RANDOM LENGTH 6 ALPHABET 0123456789 RANDOM_SEED ${s} r)
  # Strip leading zeros, keep one digit (appending a 0 instead made every draw even, so
  # a list of 4 never gave its 2nd or 4th value).
  string(REGEX REPLACE "^0+([0-9])" "\\1" r "${r}")
  list(LENGTH ${list} n)
  math(EXPR i "${r} % ${n}")
  list(GET ${list} ${i} v)
  set(${out} ${v} PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${OUT})
set(cases 0)
foreach(seed RANGE ${FIRST} ${last})
  pick(policies ${seed} 1 policy)
  pick(rings ${seed} 2 ring)
  pick(logs ${seed} 3 log)
  pick(patterns ${seed} 4 pattern)
  pick(backings ${seed} 5 backing)
  pick(rates ${seed} 6 rate)
  pick(formats ${seed} 9 format)
  pick(splits ${seed} 13 split)
  pick(workloads ${seed} 14 workload)
  pick(unmaps ${seed} 15 unmap)
  pick(churn_intervals ${seed} 16 churn_interval)
  pick(churn_patterns ${seed} 17 churn_pattern)
  pick(writer_stops ${seed} 18 writer_stop)
  pick(churn_moves ${seed} 26 churn_move)
  pick(trackers ${seed} 10 tracker)
  pick(nestings ${seed} 19 nesting)
  pick(guest_modes ${seed} 23 guest_mode)
  pick(guest_maps ${seed} 24 guest_map)
  pick(log_ranges ${seed} 11 max_ranges)
  pick(log_capacities ${seed} 12 capacity)
  pick(dirty_log_entries ${seed} 25 dirty_log)
  if(tracker STREQUAL "iommu_log" AND workload STREQUAL "quick" AND NOT nesting STREQUAL "yes" AND
     (policy STREQUAL "none" OR policy STREQUAL "per_pte_off_by_one"))
    set(policy gather)
  endif()
  pick(quanta ${seed} 7 q1)
  pick(quanta ${seed} 8 q2)
  if(q2 STREQUAL q1)  # always compare two different quanta
    list(FIND quanta ${q1} i)
    math(EXPR i "(${i} + 1) % 4")
    list(GET quanta ${i} q2)
  endif()
  set(sets --seed ${seed} --trace none
      --set host.steps.mig.flush=${policy}
      --set devices.nic0.dma.ring.pattern=${pattern}
      --set devices.nic0.dma.ring.rate=${rate}
      --set host.memory.guest.backing=${backing}
      --set platform.iommu.format=${format})
  set(scenario ${SCENARIO})
  set(negative_churn FALSE)
  set(what_churn "")
  if(workload STREQUAL "churn")
    # The writer's log stays inside the 8 MiB of churned buffers.
    get_filename_component(dir ${SCENARIO} DIRECTORY)
    set(scenario ${dir}/migration-churn.yaml)
    if(log STREQUAL "16MiB")
      set(log 8MiB)
    endif()
    list(APPEND sets --set devices.ssd0.dma.log.stop=${writer_stop}
         --set host.steps.mig.churn.unmap=${unmap}
         --set host.steps.mig.churn.interval=${churn_interval}
         --set host.steps.mig.churn.pattern=${churn_pattern})
    set(what_churn ", churn ${unmap} every ${churn_interval} ${churn_pattern}, writer stops at ${writer_stop}")
    if(churn_move STREQUAL "yes")
      # Each remap moves the buffer to a second window (a fresh IOVA) and back: the
      # D-bit harvests follow the mappings wherever they are.
      list(APPEND sets --set host.steps.mig.churn.move_to=0x4000000)
      string(APPEND what_churn ", moving to 0x4000000")
    endif()
    if(unmap STREQUAL "plain" OR NOT writer_stop STREQUAL "2ms")
      set(negative_churn TRUE)
    endif()
  endif()
  if(NOT workload STREQUAL "churn" AND nesting STREQUAL "yes")
    # The guest's 1 MiB of buffers bound the ring; no storage writer.
    get_filename_component(dir ${SCENARIO} DIRECTORY)
    set(scenario ${dir}/nested-migration.yaml)
    set(workload nested)
    set(tracker iommu)
    list(APPEND sets --set host.guest.mode=${guest_mode} --set host.guest.map=${guest_map})
    set(what "case ${seed}: nested, ${policy}, guest ${guest_mode} ${guest_map}, ring ${pattern} ${rate}, ${backing}, ${format}")
  else()
    list(APPEND sets --set devices.nic0.dma.ring.region.length=${ring}
         --set devices.ssd0.dma.log.region.length=${log})
    set(what "case ${seed}: ${policy}, ring ${ring} ${pattern} ${rate}, log ${log}, ${backing}, ${format}${what_churn}")
  endif()
  if(workload STREQUAL "quick" AND tracker STREQUAL "iommu" AND NOT split STREQUAL "none")
    list(APPEND sets --set host.steps.mig.split_to=${split})
    string(APPEND what ", split to ${split}")
  endif()
  if(NOT workload STREQUAL "quick")
    set(tracker iommu)  # the churn cases judge the unmap orders on D bits, nesting on stage 2's
  elseif(tracker STREQUAL "iommu_log")
    list(APPEND sets --set host.steps.mig.tracker=iommu_log
         --set platform.iommu.dirty_log.entries=${dirty_log})
    string(APPEND what ", tracker iommu_log (${dirty_log} entries)")
  elseif(NOT tracker STREQUAL "iommu")
    list(APPEND sets --set host.steps.mig.tracker=${tracker}
         --set host.steps.mig.on_log_error=all_dirty)
    foreach(d nic0 ssd0)
      list(APPEND sets --set devices.${d}.dma_logging.enabled=true
           --set devices.${d}.dma_logging.max_ranges=${max_ranges}
           --set devices.${d}.dma_logging.capacity=${capacity})
    endforeach()
    string(APPEND what ", tracker ${tracker} (${max_ranges} ranges, ${capacity} pages)")
  endif()
  foreach(q ${q1} ${q2})
    execute_process(COMMAND ${SIM} run ${scenario} -o ${OUT}/${seed}-${q} --quantum ${q} ${sets}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 AND NOT rc EQUAL 1)
      message(FATAL_ERROR "${what}, quantum ${q}: exit ${rc}\n${out}\n${err}")
    endif()
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${seed}-${q1}/stats.json
                          ${OUT}/${seed}-${q2}/stats.json RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "${what}: stats differ between quanta ${q1} and ${q2}")
  endif()
  file(READ ${OUT}/${seed}-${q1}/stats.json json)
  string(JSON lost GET "${json}" stats migration.lost_pages value)
  string(JSON unexplained GET "${json}" stats migration.unexplained_losses value)
  string(JSON failed GET "${json}" stats host.steps_failed value)
  if(NOT failed EQUAL 0)
    message(FATAL_ERROR "${what}: a host step failed\n${out}")
  endif()
  if(NOT unexplained EQUAL 0)
    message(FATAL_ERROR "${what}: ${unexplained} losses no hazard explains")
  endif()
  if((NOT tracker STREQUAL "iommu" OR
      (NOT policy STREQUAL "none" AND NOT policy STREQUAL "per_pte_off_by_one" AND
       NOT negative_churn)) AND NOT lost EQUAL 0)
    message(FATAL_ERROR "${what}: the correct policy lost ${lost} pages")
  endif()
  if(DEFINED EXPECT AND NOT what MATCHES "${EXPECT}")
    message(FATAL_ERROR "${what}: not the draw this test is for (${EXPECT})")
  endif()
  message(STATUS "${what}, quanta ${q1} ${q2}: ${lost} lost")
  math(EXPR cases "${cases} + 1")
  file(REMOVE_RECURSE ${OUT}/${seed}-${q1} ${OUT}/${seed}-${q2})
endforeach()
message(STATUS "${cases} migration cases hold")
