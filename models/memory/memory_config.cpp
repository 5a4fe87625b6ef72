#include "models/memory/memory_config.h"

#include "models/config/config.h"

namespace sim {

MemoryConfig load_memory_config(ConfigReader& r) {
  MemoryConfig c;
  c.size = r.size("size", c.size);
  if (c.size < (1ull << 21) || c.size > (1ull << 52))
    r.fail("size", "expected a memory size from 2MiB to 4PiB");
  c.latency = r.time_ps("latency", c.latency);
  c.write_latency = r.time_ps("write_latency", c.latency);
  c.bandwidth = r.rate("bandwidth", c.bandwidth);
  return c;
}

}  // namespace sim
