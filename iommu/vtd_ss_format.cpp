#include "iommu/vtd_ss_format.h"

namespace sim {

Pte VtdSsFormat::decode(uint64_t raw, unsigned level) const {
  Pte p;
  p.r = raw & R;
  p.w = raw & W;
  p.present = p.r || p.w;
  p.leaf = level == 1 || (raw & PS);
  p.a = raw & A;
  p.d = raw & D;
  p.addr = raw & kAddrMask;
  if (p.leaf) p.addr &= ~(entry_span(level) - 1);
  return p;
}

uint64_t VtdSsFormat::make_leaf(uint64_t pa, unsigned level, bool r, bool w) const {
  return (pa & kAddrMask) | (r ? R : 0) | (w ? W : 0) | (level > 1 ? PS : 0);
}

std::unique_ptr<PageTableFormat> make_format(std::string_view name, unsigned levels) {
  if (name == "vtd-ss" && (levels == 4 || levels == 5))
    return std::make_unique<VtdSsFormat>(levels);
  return nullptr;
}

}  // namespace sim
