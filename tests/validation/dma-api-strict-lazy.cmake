# scenarios/validation/dma-api-strict-lazy.yaml against Peleg et al. (ATC'15) and the
# invalidation-with-wait figure:
# - per-CPU IOVA caches with deferred invalidation (lazy) reach 88.5-100% of the
#   throughput without per-packet mapping (static), at every CPU count;
# - strict invalidation stops scaling: from 4 to 16 CPUs it gains at most 15% while
#   static gains at least 3.8x (the meltdown, as a plateau: see README);
# - a strict unmap costs the CPU the page-table clear (76 ns) and an invalidation with
#   its wait (about 800 ns, band 700-900): 776-1000 ns at one CPU (no lock contention);
#   a lazy unmap at most 150 ns, the flush shared by 256 unmaps.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(i RANGE ${last_point})
  string(JSON mode GET "${json}" summary ${i} vary dma_api[0].mode)
  string(JSON cpus GET "${json}" summary ${i} vary dma_api[0].cpus)
  point_stat(${i} dma_api.nic0.packets_per_s p)
  point_stat(${i} dma_api.nic0.unmap_ns.p50 u)
  math(EXPR P_${mode}_${cpus} "${p} / 1000")
  math(EXPR U_${mode}_${cpus} "${u} / 1000")
endforeach()
foreach(c 1 2 4 8 16)
  math(EXPR share "${P_lazy_${c}} * 1000 / ${P_static_${c}}")
  band("lazy throughput per mille of static at ${c} CPUs" ${share} 885 1000)
endforeach()
math(EXPR strict_gain "${P_strict_16} * 100 / ${P_strict_4}")
band("strict: throughput at 16 CPUs, percent of 4 CPUs'" ${strict_gain} 0 115)
math(EXPR static_gain "${P_static_16} * 100 / ${P_static_4}")
band("static: throughput at 16 CPUs, percent of 4 CPUs'" ${static_gain} 380 1000)
band("strict unmap CPU time at 1 CPU, p50 (ns)" ${U_strict_1} 776 1000)
band("lazy unmap CPU time at 1 CPU, p50 (ns)" ${U_lazy_1} 0 150)
message(STATUS "${table}")
