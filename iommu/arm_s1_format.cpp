#include "iommu/arm_s1_format.h"

namespace sim {

// 48-bit with a 4 KiB granule: 4 levels (no 52-bit LPA2 here).
const FormatRegistration kArmS1Registration{
    "arm-s1", 4, 4, [](unsigned levels) -> std::unique_ptr<PageTableFormat> {
      return std::make_unique<ArmS1Format>();
    }};

// Valid is bit 0; a page at level 1 has the page bit, a block at levels 2 and 3 has not
// (with it, the entry is a table); dirty is DBM with AP[2] clear, cleaned by setting AP[2].
LeafScan ArmS1Format::scan_leaves(uint64_t* t, unsigned level, unsigned i0, unsigned i1, bool clean,
                                  bool skip_absent, uint16_t* dirty_at) const {
  // No leaf above level 3: the default decodes (and stops at the first valid entry).
  if (level > 3)
    return PageTableFormat::scan_leaves(t, level, i0, i1, clean, skip_absent, dirty_at);
  const uint64_t want = level == 1 ? kTable : 0;
  LeafScan s;
  unsigned i = i0;
  for (; i < i1; ++i) {
    const uint64_t raw = t[i];
    if (!(raw & kValid)) {
      if (skip_absent) continue;
      break;
    }
    if ((raw & kTable) != want) {
      if (level > 1) break;       // a table pointer
      if (skip_absent) continue;  // a level-1 entry without the page bit: invalid
      break;
    }
    ++s.present;
    if ((raw & (kDbm | kApRo)) == kDbm) {
      if (clean) t[i] = raw | kApRo;
      dirty_at[s.dirty++] = uint16_t(i);
    }
  }
  s.end = i;
  return s;
}

Pte ArmS1Format::decode(uint64_t raw, unsigned level) const {
  Pte p;
  if (!(raw & kValid)) return p;
  const bool table_bit = raw & kTable;
  p.addr = raw & kAddrMask;
  if (level > 1 && table_bit) {
    p.present = true;
    return p;
  }
  // A page needs the page bit at level 1; blocks exist at levels 2 and 3 only.
  if ((level == 1) != table_bit || level > 3) return p;
  p.present = true;
  p.leaf = true;
  p.size_shift = uint8_t(12 + 9 * (level - 1));
  p.addr &= ~(entry_span(level) - 1);
  const bool ro = raw & kApRo, dbm = raw & kDbm;
  p.r = true;  // stage 1 has no write-only or no-access privileged mapping here
  p.w = !ro || dbm;
  p.w_needs_tracking = ro && dbm;
  p.a = raw & kAf;
  p.d = dbm && !ro;
  return p;
}

uint64_t ArmS1Format::make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const {
  uint64_t raw = (pa & kAddrMask & ~((1ull << size_shift) - 1)) | kValid | kAf;
  if (size_shift == 12) raw |= kTable;  // the page bit
  if (!p.w) return raw | kApRo;
  // Writable-dirty: writable with or without HD; DBM lets a harvest clean it.
  return p.dirty_capable ? raw | kDbm : raw;
}

}  // namespace sim
