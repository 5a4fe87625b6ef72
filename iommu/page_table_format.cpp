#include "iommu/page_table_format.h"

#include "iommu/amd_v1_format.h"
#include "iommu/arm_s1_format.h"
#include "iommu/vtd_ss_format.h"

namespace sim {

std::pair<unsigned, unsigned> format_levels(std::string_view name) {
  if (name == "vtd-ss") return {4, 5};
  if (name == "amd-v1") return {3, 6};
  if (name == "arm-s1") return {4, 4};  // 48-bit with a 4 KiB granule; no 52-bit LPA2 here
  return {0, 0};
}

unsigned PageTableFormat::scan_4k_leaves(uint64_t* t, unsigned i0, unsigned i1, bool clean,
                                         uint16_t* dirty_at, uint64_t& present) const {
  unsigned n = 0;
  for (unsigned i = i0; i < i1; ++i) {
    const uint64_t raw = t[i];
    if (!raw || !decode(raw, 1).present) continue;
    ++present;
    if (!dirty(raw)) continue;
    if (clean) t[i] = without_dirty(raw);
    dirty_at[n++] = uint16_t(i);
  }
  return n;
}

std::unique_ptr<PageTableFormat> make_format(std::string_view name, unsigned levels) {
  auto [lo, hi] = format_levels(name);
  if (!lo || levels < lo || levels > hi) return nullptr;
  if (name == "vtd-ss") return std::make_unique<VtdSsFormat>(levels);
  if (name == "amd-v1") return std::make_unique<AmdV1Format>(levels);
  return std::make_unique<ArmS1Format>();
}

}  // namespace sim
