#include "iommu/vtd_fs_format.h"

namespace sim {

Pte VtdFsFormat::decode(uint64_t raw, unsigned level) const {
  Pte p;
  p.present = raw & P;
  if (!p.present) return p;
  p.r = true;  // a present first-stage entry is always readable
  p.w = raw & RW;
  p.leaf = level == 1 || (raw & PS);
  p.a = raw & A;
  p.d = p.leaf && (raw & D);
  p.addr = raw & kAddrMask;
  if (p.leaf) {
    p.size_shift = uint8_t(12 + 9 * (level - 1));
    p.addr &= ~(entry_span(level) - 1);
  }
  return p;
}

uint64_t VtdFsFormat::make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const {
  return (pa & kAddrMask) | P | US | (p.w ? RW : 0) | (size_shift > 12 ? PS : 0);
}

}  // namespace sim
