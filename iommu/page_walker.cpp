#include "iommu/page_walker.h"

namespace sim {

const char* fault_name(FaultReason r) {
  switch (r) {
    case FaultReason::None:
      return "none";
    case FaultReason::NotPresent:
      return "not_present";
    case FaultReason::WriteToReadOnly:
      return "write_to_readonly";
    case FaultReason::ContextNotPresent:
      return "context_not_present";
    case FaultReason::BeyondFormat:
      return "beyond_format";
    case FaultReason::AtsNotAllowed:
      return "ats_not_allowed";
  }
  return "?";
}

WalkResult PageWalker::walk(uint64_t root, uint64_t iova, bool write, bool track, Ps start,
                            WalkCache* cache, uint16_t did) {
  WalkResult r;
  Ps t = start + overhead_;
  uint64_t table = root;
  unsigned top = f_.levels();
  if (cache) {
    WalkCache::Hit h = cache->lookup(did, iova);
    if (h.level) {
      top = h.level;
      table = h.table;
      r.cached_levels = f_.levels() - top;
    }
  }
  for (unsigned level = top; level >= 1; --level) {
    const uint64_t addr = table + 8ull * f_.index(iova, level);
    t = timing_.access(t, 8);
    ++r.reads;
    uint64_t* word = mem_.word64(addr);
    Pte p = f_.decode(*word, level);
    if (!p.present) {
      r.fault = FaultReason::NotPresent;
      break;
    }
    if (!p.leaf) {
      if (cache) cache->fill(did, iova, level, p.addr);
      table = p.addr;
      continue;
    }
    // An entry writable only through the hardware's dirty update is read-only when
    // the domain does not track (Arm writable-clean without HD).
    const bool writable = p.w && (track || !p.w_needs_tracking);
    if (write && !writable) {
      r.fault = FaultReason::WriteToReadOnly;
      break;
    }
    r.leaf_level = level;
    r.pte_addr = addr;  // the entry walked: one replica of a replicated leaf
    r.size_shift = p.size_shift;
    r.pbase = p.addr;
    r.r = p.r;
    r.w = writable;
    if (track) {
      // One atomic read-modify-write at the translation's time.
      uint64_t updated = f_.with_access(*word, write);
      r.a_set = !p.a;
      r.d_set = write && !f_.dirty(*word) && f_.dirty(updated);
      if (updated != *word) {
        *word = updated;
        t = timing_.access(t, 8);
      }
      if (r.d_set && log_)
        t = log_->append(iova & ~((1ull << p.size_shift) - 1), p.addr, p.size_shift, t);
    }
    r.dirty = f_.dirty(*word);
    break;
  }
  r.done = t;
  return r;
}

bool PageWalker::set_dirty(uint64_t pte_addr, uint64_t vbase, uint64_t pbase, unsigned shift,
                           Ps& t) {
  uint64_t* word = mem_.word64(pte_addr);
  const bool was_clean = !f_.dirty(*word);
  *word = f_.with_access(*word, true);
  const bool set = was_clean && f_.dirty(*word);  // an entry the format cannot mark stays clean
  if (set && log_) t = log_->append(vbase, pbase, shift, t);
  return set;
}

}  // namespace sim
