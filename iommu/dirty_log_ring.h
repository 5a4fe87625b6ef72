#pragma once
// A what-if IOMMU dirty log (issue 25; no shipping IOMMU has one for DMA, after
// Intel PML and Arm HDBSS for CPUs): each time the walker sets a leaf's D bit it
// appends the leaf's IOVA to a ring in memory, so software reads the ring instead of
// scanning page tables. A full ring drops the append and sets an overflow flag:
// software must then fall back to the scan.
//
// The ring lives in simulated memory at `base` (host physical, 4 KiB aligned):
//   +0  head      entries appended so far (written by the unit)
//   +8  tail      entries consumed so far (written by software)
//   +16 overflow  non-zero once an append found the ring full (software clears it)
//   +64 entry[i]  for i = index mod entries: the leaf's IOVA, its size shift (12 for
//                 4 KiB, 21 for 2 MiB, ...) in the low 12 bits
// The unit keeps head and tail in registers mirrored there; only the entry write is
// timed (one 8-byte memory write per append, a posted write the walk does wait for).
#include <cstdint>
#include <functional>

#include "models/base/units.h"
#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"

namespace sim {

struct DirtyLogConfig {
  uint64_t entries = 0;     // 0: no ring
  uint64_t base = 0x10000;  // below 1 MiB, which the host's allocator leaves alone
  static constexpr uint64_t kHead = 0, kTail = 8, kOverflow = 16, kEntries = 64;
  static constexpr uint64_t kLimit = 1ull << 20;  // the ring must end below this
  uint64_t bytes() const { return kEntries + 8 * entries; }
  uint64_t entry_addr(uint64_t index) const { return base + kEntries + 8 * (index % entries); }
  static uint64_t encode(uint64_t vbase, unsigned shift) { return vbase | shift; }
  static uint64_t iova_of(uint64_t entry) { return entry & ~0xfffull; }
  static unsigned shift_of(uint64_t entry) { return unsigned(entry & 0xfff); }
};

class DirtyLogRing {
 public:
  DirtyLogRing(const DirtyLogConfig& c, SparseMemory& mem, MemoryTiming& timing)
      : c_(c), mem_(mem), timing_(timing) {}
  bool enabled() const { return c_.entries != 0; }
  const DirtyLogConfig& config() const { return c_; }
  // Logs the leaf of 2^shift bytes at IOVA `vbase` (host physical `pbase`) whose D bit
  // was just set at `at`; returns when the entry write is done, or `at` when the ring
  // was full (the overflow flag set, `on_dropped` told).
  Ps append(uint64_t vbase, uint64_t pbase, unsigned shift, Ps at);
  // The statistics count here (shared over units) once bound; else in the ring.
  void count_into(uint64_t& appends, uint64_t& overflows) {
    appends_ = &appends;
    overflows_ = &overflows;
  }
  uint64_t appends() const { return *appends_; }
  uint64_t overflows() const { return *overflows_; }
  // An append the full ring dropped: the platform's oracle names the pages it may lose.
  std::function<void(uint64_t pbase, uint64_t bytes, Ps at)> on_dropped;

 private:
  DirtyLogConfig c_;
  SparseMemory& mem_;
  MemoryTiming& timing_;
  uint64_t own_appends_ = 0, own_overflows_ = 0;
  uint64_t* appends_ = &own_appends_;
  uint64_t* overflows_ = &own_overflows_;
};

}  // namespace sim
