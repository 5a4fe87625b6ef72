# scenarios/validation/invalidation-cost.yaml against two VT-d figures:
# - an IOTLB invalidation with its wait, as the CPU sees it: about 800 ns (Akaros
#   commit 81b6433a); band 700-900 ns per synchronous submission;
# - one submission instead of two (IOTLB and device-TLB descriptors together) saves
#   about 800 cycles (2024 VT-d batching series): 267-400 ns at 2-3 GHz.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(i RANGE ${last_point})
  string(JSON ats GET "${json}" summary ${i} vary devices.nic0.ats.enabled)
  string(JSON batch GET "${json}" summary ${i} vary platform.iommu.invalidation.batch)
  point_stat(${i} host.harvest.submit_ns s)
  point_stat(${i} host.harvest.wait_ns w)
  point_stat(${i} host.dirty.harvests n)  # each one flush: one submission, or two
  math(EXPR T_${ats}_${batch} "(${s} + ${w}) / 1000")  # ns
  math(EXPR N_${ats}_${batch} "${n} / 1000")
endforeach()
math(EXPR per_sync "${T_false_16} / ${N_false_16}")
band("IOTLB invalidation with its wait, CPU time per submission (ns)" ${per_sync} 700 900)
math(EXPR saved "(${T_true_1} - ${T_true_16}) / ${N_true_16}")
band("batching IOTLB and device-TLB descriptors: saved per submission avoided (ns)" ${saved}
     267 400)
message(STATUS "${table}")
