#pragma once
// platform.memory: the physical memory's size and timing.
#include <cstdint>

#include "models/base/units.h"

namespace sim {

class ConfigReader;

struct MemoryConfig {
  uint64_t size = 64ull << 30;          // physical address space backed by sparse storage
  Ps latency = 80 * kNs;                // fixed access latency
  Ps write_latency = 0;                 // until a DMA write is visible (0: latency)
  uint64_t bandwidth = 25'600'000'000;  // bytes/s of the channel all accesses share
};

MemoryConfig load_memory_config(ConfigReader& r);

}  // namespace sim
