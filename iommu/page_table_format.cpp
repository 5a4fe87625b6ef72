// The page-table format registry and the general leaf scan every format starts from.
#include "iommu/page_table_format.h"

#include "iommu/amd_v1_format.h"
#include "iommu/arm_s1_format.h"
#include "iommu/vtd_ss_format.h"

namespace sim {

namespace {
// Every format, one registration line each (the entries live beside their formats).
const FormatRegistration* const kFormats[] = {&kVtdSsRegistration, &kAmdV1Registration,
                                              &kArmS1Registration};

const FormatRegistration* find_format(std::string_view name) {
  for (const FormatRegistration* f : kFormats)
    if (f->name == name) return f;
  return nullptr;
}
}  // namespace

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const FormatRegistration* f : kFormats) out.emplace_back(f->name);
  return out;
}

std::pair<unsigned, unsigned> format_levels(std::string_view name) {
  const FormatRegistration* f = find_format(name);
  return f ? std::pair{f->min_levels, f->max_levels} : std::pair{0u, 0u};
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
  const FormatRegistration* f = find_format(name);
  if (!f || levels < f->min_levels || levels > f->max_levels) return nullptr;
  return f->make(levels);
}

}  // namespace sim
