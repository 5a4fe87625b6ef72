# scenarios/validation/iotlb-wall-farshin.yaml against Farshin et al. (PeerJ CS 2023).
# Reproduced, held to the paper: hugepage-backed buffers reach the offered rate at 100
# and 200 Gb/s, and 4 KiB-backed ones lose little (at most 5%) at 100 Gb/s but lose at
# 200 Gb/s, under both orderings.
# Not reproduced in depth: the paper loses up to 20% at 200 Gb/s with 4 KiB buffers;
# with the root port's posted buffer of the only published Xeon figure (64 header and
# 320 data credits) the model loses about twice that, the walks of about 300 ns
# holding the buffer's 5 KiB while 25 GB/s arrive. The band holds that gap as the
# README states it, so a change that moves it fails here and the README gets its
# new figures. Strict ordering costs at least as much as relaxed.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(profiles "")
foreach(i RANGE ${last_point})
  string(JSON p GET "${json}" summary ${i} vary platform.iommu.profile)
  string(JSON r GET "${json}" summary ${i} vary devices.nic0.dma.rx.rate)
  string(JSON b GET "${json}" summary ${i} vary host.memory.guest.backing)
  string(JSON o GET "${json}" summary ${i} vary platform.pcie.ordering)
  string(REPLACE "/" "" r "${r}")
  point_stat(${i} dev.nic0.goodput_gbps g)
  set(G_${p}_${r}_${b}_${o} ${g})
  list(APPEND profiles ${p})
endforeach()
list(REMOVE_DUPLICATES profiles)
foreach(p ${profiles})
  foreach(o relaxed strict)
    foreach(r 100Gbs 200Gbs)
      # Per mille of the hugepage throughput that 4 KiB backing loses.
      math(EXPR loss "1000 - ${G_${p}_${r}_4KiB_${o}} * 1000 / ${G_${p}_${r}_2MiB_${o}}")
      set(LOSS_${p}_${r}_${o} ${loss})
    endforeach()
    band("${p}, ${o}: 100 Gb/s on 2 MiB, goodput (mGb/s)" ${G_${p}_100Gbs_2MiB_${o}} 98000
         115000)
    band("${p}, ${o}: 200 Gb/s on 2 MiB, goodput (mGb/s)" ${G_${p}_200Gbs_2MiB_${o}} 196000
         230000)
    band("${p}, ${o}: 100 Gb/s, 4 KiB buffers lose (per mille)" ${LOSS_${p}_100Gbs_${o}} -20 50)
    band("${p}, ${o}: 200 Gb/s, 4 KiB buffers lose (per mille; paper up to 200, model deeper)"
         ${LOSS_${p}_200Gbs_${o}} 300 450)
  endforeach()
  # The ordering's own share: a write held behind a miss keeps its credits longer.
  math(EXPR extra "${LOSS_${p}_200Gbs_strict} - ${LOSS_${p}_200Gbs_relaxed}")
  band("${p}: 200 Gb/s, 4 KiB, strict loses more than relaxed (per mille)" ${extra} 0 100)
endforeach()
message(STATUS "${table}")
