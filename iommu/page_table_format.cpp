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

LeafScan PageTableFormat::scan_leaves(uint64_t* t, unsigned level, unsigned i0, unsigned i1,
                                      bool clean, bool skip_absent, uint16_t* dirty_at) const {
  const unsigned shift = 12 + 9 * (level - 1);
  LeafScan s;
  unsigned i = i0;
  for (; i < i1; ++i) {
    const uint64_t raw = t[i];
    const Pte p = raw ? decode(raw, level) : Pte{};
    if (!p.present) {
      if (skip_absent) continue;
      break;
    }
    if (!p.leaf || p.size_shift != shift) break;  // a table, or a leaf of several entries
    ++s.present;
    if (!dirty(raw)) continue;
    if (clean) t[i] = without_dirty(raw);
    dirty_at[s.dirty++] = uint16_t(i);
  }
  s.end = i;
  return s;
}

std::unique_ptr<PageTableFormat> make_format(std::string_view name, unsigned levels) {
  auto [lo, hi] = format_levels(name);
  if (!lo || levels < lo || levels > hi) return nullptr;
  if (name == "vtd-ss") return std::make_unique<VtdSsFormat>(levels);
  if (name == "amd-v1") return std::make_unique<AmdV1Format>(levels);
  return std::make_unique<ArmS1Format>();
}

}  // namespace sim
