#include "iommu/arm_s1_format.h"

namespace sim {

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
