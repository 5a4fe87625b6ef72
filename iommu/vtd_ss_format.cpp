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
  if (p.leaf) {
    p.size_shift = uint8_t(12 + 9 * (level - 1));
    p.addr &= ~(entry_span(level) - 1);
  }
  return p;
}

uint64_t VtdSsFormat::make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const {
  return (pa & kAddrMask) | (p.r ? R : 0) | (p.w ? W : 0) | (size_shift > 12 ? PS : 0);
}

}  // namespace sim
