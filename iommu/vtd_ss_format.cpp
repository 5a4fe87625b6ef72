#include "iommu/vtd_ss_format.h"

namespace sim {

// Present is R or W, dirty is D: bit tests, no decode per entry.
unsigned VtdSsFormat::scan_4k_leaves(uint64_t* t, unsigned i0, unsigned i1, bool clean,
                                     uint16_t* dirty_at, uint64_t& present) const {
  unsigned n = 0;
  uint64_t p = 0;
  for (unsigned i = i0; i < i1; ++i) {
    const uint64_t raw = t[i];
    p += (raw & (R | W)) != 0;
    if ((raw & D) && (raw & (R | W))) {
      if (clean) t[i] = raw & ~D;
      dirty_at[n++] = uint16_t(i);
    }
  }
  present += p;
  return n;
}

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
