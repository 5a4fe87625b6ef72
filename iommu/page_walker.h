#pragma once
// The page walker: reads PTEs from memory level by level (each a timed read on the
// memory channel) and, when the domain tracks A/D, sets A (and D on a write) with
// an atomic read-modify-write at the translation's time.
#include <cstdint>

#include "iommu/dirty_log_ring.h"
#include "iommu/page_table_format.h"
#include "iommu/walk_cache.h"
#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"

namespace sim {

enum class FaultReason : uint8_t {
  None = 0,
  NotPresent = 1,
  WriteToReadOnly = 2,
  ContextNotPresent = 3,  // blocked device or no context entry
  BeyondFormat = 4,       // IOVA above what the format translates
  AtsNotAllowed = 5,      // a translation request or translated access without ATS enabled
};
const char* fault_name(FaultReason r);

struct WalkResult {
  FaultReason fault = FaultReason::None;
  unsigned leaf_level = 0;
  uint64_t pte_addr = 0;
  uint64_t pbase = 0;  // page base
  uint8_t size_shift = 12;
  bool r = false, w = false;
  bool a_set = false, d_set = false;  // this walk set them
  bool dirty = false;                 // D after the walk
  unsigned reads = 0;
  unsigned cached_levels = 0;  // levels the walk cache skipped
  Ps done = 0;
};

class PageWalker {
 public:
  PageWalker(const PageTableFormat& f, SparseMemory& mem, MemoryTiming& timing, Ps overhead)
      : f_(f), mem_(mem), timing_(timing), overhead_(overhead) {}

  // Walks for `iova` from `root`, starting at `start`; `track` enables A/D updates.
  // With a walk cache it starts at the deepest cached table of domain `did`.
  WalkResult walk(uint64_t root, uint64_t iova, bool write, bool track, Ps start,
                  WalkCache* cache = nullptr, uint16_t did = 0);
  // Sets D (and A) on the leaf at pte_addr (of 2^shift bytes at IOVA vbase, host
  // physical pbase); true when that made it dirty. A dirty log, if any, then logs the
  // leaf and `t` moves to when its entry is written.
  bool set_dirty(uint64_t pte_addr, uint64_t vbase, uint64_t pbase, unsigned shift, Ps& t);
  // The unit's dirty log (dirty_log_ring.h), appended to whenever this walker sets D.
  void set_log(DirtyLogRing* log) { log_ = log; }
  bool pte_dirty(uint64_t pte_addr) const { return f_.dirty(mem_.read64(pte_addr)); }

 private:
  const PageTableFormat& f_;
  SparseMemory& mem_;
  MemoryTiming& timing_;
  Ps overhead_;
  DirtyLogRing* log_ = nullptr;
};

}  // namespace sim
