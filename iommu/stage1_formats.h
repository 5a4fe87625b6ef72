#pragma once
// The stage-1 formats a nested PASID entry names by number (PasidNesting::s1_format):
// each with the level counts it admits and its factory, listed once in
// stage1_formats.cpp.
#include <memory>
#include <string_view>

#include "iommu/context_entry.h"
#include "iommu/page_table_format.h"

namespace sim {

struct Stage1Registration {
  Stage1Format code;
  std::string_view name;
  unsigned min_levels, max_levels;
  std::unique_ptr<PageTableFormat> (*make)(unsigned levels);
  // Whether the format updates A/D whatever the entry says (VT-d's first stage has no
  // enable; Arm's needs HA/HD, PasidNesting::s1_ad).
  bool ad_always;
};

// nullptr for a code no format has.
const Stage1Registration* stage1_format(Stage1Format code);
// Whether a nested entry's stage-1 half names a format and a level count it has.
inline bool stage1_valid(const PasidNesting& n) {
  const Stage1Registration* r = stage1_format(n.s1_format);
  return r && n.s1_levels >= r->min_levels && n.s1_levels <= r->max_levels;
}

}  // namespace sim
