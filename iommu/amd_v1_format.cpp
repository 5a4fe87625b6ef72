#include "iommu/amd_v1_format.h"

#include <bit>

namespace sim {

const FormatRegistration kAmdV1Registration{
    "amd-v1", 3, 6, [](unsigned levels) -> std::unique_ptr<PageTableFormat> {
      return std::make_unique<AmdV1Format>(levels);
    }};

// Present is PR; a single leaf of the level's span has NextLevel 0, and any other
// NextLevel (a table, a replica with 7, a malformed one) is rare: decode tells.
LeafScan AmdV1Format::scan_leaves(uint64_t* t, unsigned level, unsigned i0, unsigned i1, bool clean,
                                  bool skip_absent, uint16_t* dirty_at) const {
  LeafScan s;
  unsigned i = i0;
  for (; i < i1; ++i) {
    const uint64_t raw = t[i];
    if (!(raw & PR)) {
      if (skip_absent) continue;
      break;
    }
    if (raw & kNextMask) {
      if (decode(raw, level).present) break;  // a table or a replica
      if (skip_absent) continue;              // a level skip or a bad size: absent
      break;
    }
    ++s.present;
    if (raw & D) {
      if (clean) t[i] = raw & ~D;
      dirty_at[s.dirty++] = uint16_t(i);
    }
  }
  s.end = i;
  return s;
}

Pte AmdV1Format::decode(uint64_t raw, unsigned level) const {
  Pte p;
  if (!(raw & PR)) return p;
  const unsigned next = unsigned((raw & kNextMask) >> kNextShift);
  p.r = raw & IR;
  p.w = raw & IW;
  p.a = raw & A;
  p.d = raw & D;
  p.addr = raw & kAddrMask;
  if (next != 0 && next != 7) {
    // A table of the level below; another level would skip levels (not modelled).
    p.present = level > 1 && next == level - 1;
    return p;
  }
  unsigned shift = 12 + 9 * (level - 1);
  if (next == 7) {
    // The lowest zero address bit at or above 12 gives the size; it must lie between
    // this level's span and the next's (exclusive), else the entry is malformed.
    const unsigned zero = unsigned(std::countr_one(p.addr >> 12)) + 12;
    if (zero + 1 <= shift || zero + 1 >= shift + 9) return p;
    shift = zero + 1;
  }
  p.present = true;
  p.leaf = true;
  p.size_shift = uint8_t(shift);
  p.addr &= ~((1ull << shift) - 1);
  return p;
}

uint64_t AmdV1Format::make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const {
  const uint64_t perm = PR | (p.r ? IR : 0) | (p.w ? IW : 0);
  const uint64_t base = pa & kAddrMask & ~((1ull << size_shift) - 1);
  if (leaf_entries(size_shift) == 1) return base | perm;  // NextLevel 0: the level's span
  // NextLevel 7: ones from bit 12 up to the size's marking zero at bit size_shift - 1.
  const uint64_t ones = ((1ull << (size_shift - 1)) - 1) & ~0xfffull;
  return base | ones | perm | kNextMask;
}

}  // namespace sim
