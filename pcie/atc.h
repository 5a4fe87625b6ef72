#pragma once
// The device's address translation cache (PCIe ATS): translations the IOMMU granted,
// set-associative with LRU, each with its permissions. A write permission means the
// IOMMU already set D for the page when it granted it, so writes through the entry
// never reach the page table again: why clearing D needs a device-TLB invalidation.
#include <cstdint>
#include <vector>

#include "models/base/units.h"

namespace sim {

struct AtcEntry {
  bool valid = false;
  uint8_t size_shift = 12;
  uint64_t vbase = 0, pbase = 0;
  uint64_t pte_addr = 0;  // simulator side band: lets the platform see a stale write
  bool r = false, w = false;
  bool written = false;  // a write went through it (else the W grant over-reported D)
  uint64_t stamp = 0;
};

class Atc {
 public:
  Atc(unsigned entries, unsigned ways);
  // The entry covering iova, or nullptr.
  AtcEntry* lookup(uint64_t iova);
  // Fills (LRU victim within the set); `evicted_unwritten` counts W grants never used.
  void fill(const AtcEntry& e);
  // Drops entries overlapping [addr, addr + length); returns how many.
  unsigned invalidate(uint64_t addr, uint64_t length);
  uint64_t unwritten_write_grants() const { return unwritten_; }

 private:
  void drop(AtcEntry& e);
  std::vector<AtcEntry> slots_;
  unsigned sets_, ways_;
  uint64_t clock_ = 0, unwritten_ = 0;
  uint64_t sizes_ = 0;  // bit n: an entry of 2^n bytes was ever filled
};

}  // namespace sim
