# scenarios/validation/iotlb-wall-farshin.yaml against Farshin et al. (PeerJ CS 2023).
# Reproduced, held to the paper: hugepage-backed buffers reach the offered 200 Gb/s,
# and 4 KiB-backed ones lose little (at most 5%) at 100 Gb/s.
# Not reproduced: the paper loses up to 20% at 200 Gb/s with 4 KiB buffers; the model,
# whose IOTLB wall is its walkers' rate (about 20 M walks/s, a packet each here), loses
# at most 5%. This check holds that gap as the README states it, so a model change
# that closes it fails here and the README gets its new figures.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(profiles "")
foreach(i RANGE ${last_point})
  string(JSON p GET "${json}" summary ${i} vary platform.iommu.profile)
  string(JSON r GET "${json}" summary ${i} vary devices.nic0.dma.rx.rate)
  string(JSON b GET "${json}" summary ${i} vary host.memory.guest.backing)
  string(REPLACE "/" "" r "${r}")
  point_stat(${i} dev.nic0.goodput_gbps g)
  set(G_${p}_${r}_${b} ${g})
  list(APPEND profiles ${p})
endforeach()
list(REMOVE_DUPLICATES profiles)
foreach(p ${profiles})
  foreach(r 100Gbs 200Gbs)
    # Per mille of the hugepage throughput that 4 KiB backing loses.
    math(EXPR loss "1000 - ${G_${p}_${r}_4KiB} * 1000 / ${G_${p}_${r}_2MiB}")
    set(LOSS_${p}_${r} ${loss})
  endforeach()
  band("${p}: 200 Gb/s on 2 MiB, goodput (mGb/s)" ${G_${p}_200Gbs_2MiB} 196000 230000)
  band("${p}: 100 Gb/s, 4 KiB buffers lose (per mille)" ${LOSS_${p}_100Gbs} -20 50)
  band("${p}: 200 Gb/s, 4 KiB buffers lose (per mille; paper 100-250, not reproduced)"
       ${LOSS_${p}_200Gbs} -20 50)
endforeach()
message(STATUS "${table}")
