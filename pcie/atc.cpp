#include "pcie/atc.h"

#include <bit>

namespace sim {

Atc::Atc(unsigned entries, unsigned ways) : slots_(entries), sets_(entries / ways), ways_(ways) {}

AtcEntry* Atc::lookup(uint64_t iova) {
  // Each page size held, smallest first (AMD v1 translations come in any power of two).
  for (uint64_t sizes = sizes_; sizes; sizes &= sizes - 1) {
    const uint8_t shift = uint8_t(std::countr_zero(sizes));
    const uint64_t vpage = iova >> shift;
    AtcEntry* set = &slots_[size_t(vpage % sets_) * ways_];
    for (unsigned w = 0; w < ways_; ++w)
      if (set[w].valid && set[w].size_shift == shift && set[w].vbase >> shift == vpage) {
        set[w].stamp = ++clock_;
        return &set[w];
      }
  }
  return nullptr;
}

void Atc::drop(AtcEntry& e) {
  if (e.valid && e.w && !e.written) ++unwritten_;
  e.valid = false;
}

void Atc::fill(const AtcEntry& in) {
  sizes_ |= 1ull << in.size_shift;
  AtcEntry* set = &slots_[size_t((in.vbase >> in.size_shift) % sets_) * ways_];
  AtcEntry* victim = &set[0];
  for (unsigned w = 0; w < ways_; ++w) {
    AtcEntry& e = set[w];
    if (e.valid && e.size_shift == in.size_shift && e.vbase == in.vbase) {
      victim = &e;  // an upgrade (read -> write) replaces the entry
      break;
    }
    if (!e.valid) {
      if (victim->valid) victim = &e;
      continue;
    }
    if (victim->valid && e.stamp < victim->stamp) victim = &e;
  }
  drop(*victim);
  *victim = in;
  victim->valid = true;
  victim->stamp = ++clock_;
}

unsigned Atc::invalidate(uint64_t addr, uint64_t length) {
  unsigned n = 0;
  const uint64_t last = length ? addr + (length - 1) : addr;  // ~0 lengths do not wrap
  for (AtcEntry& e : slots_) {
    if (!e.valid) continue;
    const uint64_t e_last = e.vbase + ((1ull << e.size_shift) - 1);
    if (e.vbase <= last && addr <= e_last) {
      drop(e);
      ++n;
    }
  }
  return n;
}

}  // namespace sim
