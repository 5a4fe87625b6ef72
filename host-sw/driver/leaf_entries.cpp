// The whole content of a domain's page table as (IOVA, leaf entry) pairs: what fault
// injection compares before and after a failed call to find a mapping it leaked.
#include "host-sw/driver/iommu_driver.h"

namespace sim {

std::vector<std::pair<uint64_t, uint64_t>> IommuDriver::leaf_entries(const Domain& d) const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  leaf_entries_in(d.root, format_->levels(), 0, out);
  return out;
}

void IommuDriver::leaf_entries_in(uint64_t table, unsigned level, uint64_t base,
                                  std::vector<std::pair<uint64_t, uint64_t>>& out) const {
  const uint64_t span = format_->entry_span(level);
  for (uint64_t i = 0; i < 512; ++i) {
    const uint64_t raw = env_.memory.read64(table + 8 * i);
    const Pte p = format_->decode(raw, level);
    if (!p.present) continue;
    const uint64_t iova = base + i * span;
    if (p.leaf) {
      // Address, size and permission; the A/D bits a device may set are left out.
      const uint64_t key =
          p.addr | (uint64_t(p.size_shift) << 1) | (p.r ? 1 : 0) | (p.w ? (1ull << 7) : 0);
      out.emplace_back(iova, key);
    } else {
      leaf_entries_in(p.addr, level - 1, iova, out);
    }
  }
}

}  // namespace sim
