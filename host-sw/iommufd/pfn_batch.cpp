#include "host-sw/iommufd/pfn_batch.h"

#include <stdexcept>

namespace sim {

uint64_t PfnBatch::add(uint64_t pfn, uint64_t n) {
  if (n == 0) return 0;
  constexpr uint64_t kRunMax = UINT32_MAX;  // npfns is a u32 in the kernel
  uint64_t done = 0;
  while (done < n) {
    if (!runs_.empty()) {
      PfnRun& r = runs_.back();
      if (r.pfn + r.npfns == pfn + done && r.npfns < kRunMax) {
        const uint64_t k = std::min(n - done, kRunMax - r.npfns);
        r.npfns += k;
        done += k;
        continue;
      }
    }
    if (full()) break;
    const uint64_t k = std::min(n - done, kRunMax);
    runs_.push_back({pfn + done, k});
    done += k;
  }
  total_ += done;
  return done;
}

uint64_t PfnBatch::pfn_at(uint64_t i) const {
  for (const PfnRun& r : runs_) {
    if (i < r.npfns) return r.pfn + i;
    i -= r.npfns;
  }
  throw std::out_of_range("pfn batch: index beyond the batch");
}

}  // namespace sim
