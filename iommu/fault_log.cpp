#include "iommu/fault_log.h"

namespace sim {

void FaultLog::latch() {
  base_ = aflog_ & ~0xfffull;
  capacity_ = base_ ? (4096ull << (aflog_ & 7)) / 16 : 0;
  next_ = 0;
  overflow_ = false;
}

bool FaultLog::append(const FaultRecord& r) {
  if (!base_) return false;
  if (next_ == capacity_) {
    overflow_ = true;
    return false;
  }
  const uint64_t at = base_ + next_ * 16;
  mem_.write64(at, r.addr);
  mem_.write64(at + 8, uint64_t(r.sid) | uint64_t(r.reason) << 16 | uint64_t(r.write) << 24 |
                           uint64_t(r.stage & 3) << 25 | 1ull << 63);
  ++next_;
  return true;
}

}  // namespace sim
