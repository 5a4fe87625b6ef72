#pragma once
// The context and PASID caches: which translation a request of (bdf, pasid) gets,
// read from the root and context tables, the PASID directory and a PASID table in
// memory on a miss and kept until a context or PASID-cache invalidation drops it
// (directory entries are read on each PASID-entry fetch, never cached).
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "iommu/context_entry.h"
#include "iommu/inv_descriptor.h"
#include "models/base/requester.h"
#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"
#include "models/report/stats.h"

namespace sim {

class ContextCache {
 public:
  // `nesting`: the unit translates nested PASID entries (else they block).
  ContextCache(SparseMemory& mem, MemoryTiming& timing, StatsRegistry& stats, bool nesting = false);

  // The device's context entry, or with PASIDs enabled its PASID's entry (RID_PASID
  // for none) as a context, found through the root table at `root_table`; a miss's
  // reads advance `t`. nullptr: no translation (not present, a PASID not allowed or
  // beyond the directory, or a nested entry the unit cannot translate). The answer
  // stays valid until an invalidation or a lookup of another (bdf, pasid) that misses
  // the memos (a lookup of the same one hits them).
  const TranslationContext* lookup(uint16_t bdf, uint32_t pasid, uint64_t root_table, Ps& t) {
    // The last answers, while no context or PASID-cache invalidation has applied: the
    // devices' interleaved runs of TLPs skip the cache lookups (a cached entry costs no
    // time).
    const uint64_t key = memo_key(bdf, pasid);
    for (const Memo& m : memo_)
      if (m.key == key) return &m.ctx;
    return resolve(bdf, pasid, root_table, t);
  }

  // A context-cache descriptor (global, domain or device) or a PASID-cache one.
  void invalidate_context(const InvDescriptor& d);
  void invalidate_pasid(const InvDescriptor& d);

 private:
  const TranslationContext* resolve(uint16_t bdf, uint32_t pasid, uint64_t root_table, Ps& t);
  static uint64_t memo_key(uint16_t bdf, uint32_t pasid) {
    return 1ull << 48 | uint64_t(bdf) << 32 | pasid;  // never 0, an empty memo's key
  }
  void forget_memos() {
    for (Memo& m : memo_) m.key = 0;
  }
  std::optional<ContextEntry> device_context(uint16_t bdf, uint64_t root_table, Ps& t);

  SparseMemory& mem_;
  MemoryTiming& timing_;
  std::unordered_map<uint16_t, ContextEntry> context_cache_;  // looked up only, never iterated
  struct CachedPasid {
    PasidEntry entry;
    PasidNesting nest;  // a nested entry's second half
  };
  std::unordered_map<uint64_t, CachedPasid> pasid_cache_;  // (bdf << 32 | pasid)
  struct Memo {
    uint64_t key = 0;
    TranslationContext ctx;
  };
  Memo memo_[4];  // lookup()'s last answers, replaced in turn
  unsigned next_memo_ = 0;
  bool nesting_;
  uint64_t& misses_;
};

}  // namespace sim
