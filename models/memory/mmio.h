#pragma once
// Registers reachable by host software. Software reaches hardware only through
// memory and these (an IOMMU's queue tail, an endpoint's control register), at the
// host operation's timestamp.
#include <cstdint>

#include "models/base/units.h"

namespace sim {

class MmioTarget {
 public:
  virtual ~MmioTarget() = default;
  virtual uint64_t mmio_read(uint64_t offset, unsigned size, Ps at) = 0;
  virtual void mmio_write(uint64_t offset, uint64_t value, unsigned size, Ps at) = 0;
};

// The host's view: physical MMIO addresses, routed by the platform to targets.
class MmioBus {
 public:
  virtual ~MmioBus() = default;
  virtual uint64_t read(uint64_t addr, unsigned size, Ps at) = 0;
  virtual void write(uint64_t addr, uint64_t value, unsigned size, Ps at) = 0;
};

}  // namespace sim
