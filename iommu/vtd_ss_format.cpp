#include "iommu/vtd_ss_format.h"

namespace sim {

const FormatRegistration kVtdSsRegistration{
    "vtd-ss", 4, 5, [](unsigned levels) -> std::unique_ptr<PageTableFormat> {
      return std::make_unique<VtdSsFormat>(levels);
    }};

namespace {

// The scan with its loop-invariant choices as template arguments, so the 4 KiB case
// (every present entry a leaf, holes skipped) stays a branch-light loop.
template <bool kSkipAbsent, bool kNeedPs>
LeafScan scan(uint64_t* t, unsigned i0, unsigned i1, bool clean, uint16_t* dirty_at) {
  using F = VtdSsFormat;
  LeafScan s;
  if constexpr (kSkipAbsent && !kNeedPs) {
    // Nothing stops it: presence is counted, not branched on (the 4 KiB harvest's loop).
    unsigned present = 0, n = 0;
    for (unsigned i = i0; i < i1; ++i) {
      const uint64_t raw = t[i];
      const bool p = raw & (F::R | F::W);
      present += p;
      if ((raw & F::D) && p) {
        if (clean) t[i] = raw & ~F::D;
        dirty_at[n++] = uint16_t(i);
      }
    }
    s.end = i1;
    s.present = present;
    s.dirty = n;
    return s;
  }
  unsigned i = i0;
  for (; i < i1; ++i) {
    const uint64_t raw = t[i];
    if (!(raw & (F::R | F::W))) {
      if (kSkipAbsent) continue;
      break;
    }
    if (kNeedPs && !(raw & F::PS)) break;  // a table pointer
    ++s.present;
    if (raw & F::D) {
      if (clean) t[i] = raw & ~F::D;
      dirty_at[s.dirty++] = uint16_t(i);
    }
  }
  s.end = i;
  return s;
}

}  // namespace

// Present is R or W, a leaf above level 1 has PS, dirty is D: bit tests, no decode.
LeafScan VtdSsFormat::scan_leaves(uint64_t* t, unsigned level, unsigned i0, unsigned i1, bool clean,
                                  bool skip_absent, uint16_t* dirty_at) const {
  if (level == 1)
    return skip_absent ? scan<true, false>(t, i0, i1, clean, dirty_at)
                       : scan<false, false>(t, i0, i1, clean, dirty_at);
  return skip_absent ? scan<true, true>(t, i0, i1, clean, dirty_at)
                     : scan<false, true>(t, i0, i1, clean, dirty_at);
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
