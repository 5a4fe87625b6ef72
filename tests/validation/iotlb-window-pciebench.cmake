# scenarios/validation/iotlb-window-pciebench.yaml has the shape of pcie-bench's data:
# tag-bound (Little's law) inside the IOTLB's reach, a knee between 256 KiB and a few
# MiB, a miss-bound floor of 17-22 M reads/s, and flat 2 MiB mappings.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(i RANGE ${last_point})
  string(JSON backing GET "${json}" summary ${i} vary host.memory.guest.backing)
  string(JSON window GET "${json}" summary ${i} vary devices.dev0.dma.reads.region.length)
  string(JSON g GET "${json}" summary ${i} stats dev.dev0.goodput_gbps mean)
  string(JSON p50 GET "${json}" summary ${i} stats dev.dev0.read_latency_ns.p50 mean)
  milli(${g} gm)
  set(G_${backing}_${window} ${gm})
  milli(${p50} lat)
  math(EXPR lat "${lat} / 1000")
  set(P50_${backing}_${window} ${lat})
endforeach()

# Reads/s = Gb/s * 1e9 / 512 bits; with 32 tags, Little's law: reads/s = 32 / latency.
math(EXPR little "${G_4KiB_64KiB} * ${P50_4KiB_64KiB}")  # = 16384000 when exact
if(little LESS 14745600 OR little GREATER 18022400)
  message(FATAL_ERROR "small window: ${G_4KiB_64KiB} mGb/s at p50 ${P50_4KiB_64KiB} ns is not "
                      "within 10% of Little's law\n${table}")
endif()
# Floor: 17-22 M reads/s = 8704-11264 mGb/s at 64 MiB.
if(G_4KiB_64MiB LESS 8704 OR G_4KiB_64MiB GREATER 11264)
  message(FATAL_ERROR "64 MiB window: ${G_4KiB_64MiB} mGb/s is not 17-22 M reads/s\n${table}")
endif()
# The knee: 256 KiB still within 10% of the small window, 1 MiB below 90% of it, and
# by 8 MiB within 15% of the floor.
math(EXPR hi "${G_4KiB_64KiB} * 9 / 10")
math(EXPR floor_band "${G_4KiB_64MiB} * 115 / 100")
if(G_4KiB_256KiB LESS hi OR NOT G_4KiB_1MiB LESS hi OR G_4KiB_8MiB GREATER floor_band)
  message(FATAL_ERROR "the knee is not between 256 KiB and a few MiB\n${table}")
endif()
# 2 MiB mappings: flat to 64 MiB (within 5%).
math(EXPR flat "${G_2MiB_64KiB} * 95 / 100")
if(G_2MiB_64MiB LESS flat)
  message(FATAL_ERROR "2 MiB mappings are not flat\n${table}")
endif()
message(STATUS "${table}")
