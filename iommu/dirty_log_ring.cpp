#include "iommu/dirty_log_ring.h"

namespace sim {

Ps DirtyLogRing::append(uint64_t vbase, uint64_t pbase, unsigned shift, Ps at) {
  const uint64_t head = mem_.read64(c_.base + DirtyLogConfig::kHead);
  const uint64_t tail = mem_.read64(c_.base + DirtyLogConfig::kTail);
  if (head - tail >= c_.entries) {
    if (!mem_.read64(c_.base + DirtyLogConfig::kOverflow))
      mem_.write64(c_.base + DirtyLogConfig::kOverflow, 1);
    ++*overflows_;
    if (on_dropped) on_dropped(pbase, 1ull << shift, at);
    return at;
  }
  mem_.write64(c_.entry_addr(head), DirtyLogConfig::encode(vbase, shift));
  mem_.write64(c_.base + DirtyLogConfig::kHead, head + 1);
  ++*appends_;
  return timing_.access(at, 8, true);
}

}  // namespace sim
