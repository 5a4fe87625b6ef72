#include "iommu/nested_walker.h"

namespace sim {

const char* stage_name(WalkStage s) {
  switch (s) {
    case WalkStage::None:
      return "none";
    case WalkStage::Stage1:
      return "stage1";
    case WalkStage::Stage2:
      return "stage2";
  }
  return "?";
}

NestedWalker::Stage2 NestedWalker::translate(uint64_t s2_root, uint64_t gpa, bool write, bool track,
                                             Ps& t, NestedWalkResult& out,
                                             const NestedWalkCaches& caches) {
  Stage2 s;
  s.r = s2_.walk(s2_root, gpa, write, track, t, caches.s2, caches.s2_did);
  out.s2_reads += s.r.reads;
  out.s2_cache_hits += s.r.cached_levels > 0;
  t = s.r.done;
  if (s.r.fault != FaultReason::None) {
    out.fault = s.r.fault;
    out.fault_stage = WalkStage::Stage2;
    out.fault_gpa = gpa;
    return s;
  }
  s.hpa = s.r.pbase + (gpa & ((1ull << s.r.size_shift) - 1));
  return s;
}

bool NestedWalker::update_entry(uint64_t* word, uint64_t updated, uint64_t table_gpa,
                                const Stage2& s2, bool track_s2, Ps& t, NestedWalkResult& out) {
  if (updated == *word) return true;
  // The table page was translated for a read; writing it needs stage 2's write grant.
  if (!s2.r.w) {
    out.fault = FaultReason::WriteToReadOnly;
    out.fault_stage = WalkStage::Stage2;
    out.fault_gpa = table_gpa;
    return false;
  }
  const bool untracked = track_s2 && !s2.r.dirty && skip_table_dirty_;
  if (track_s2 && !s2.r.dirty && !untracked) {
    const uint64_t s2_vbase = table_gpa & ~((1ull << s2.r.size_shift) - 1);
    if (s2_.set_dirty(s2.r.pte_addr, s2_vbase, s2.r.pbase, s2.r.size_shift, t))
      ++out.s2_table_pages_dirtied;
    t = timing_.access(t, 8);
  }
  *word = updated;
  t = timing_.access(t, 8);
  const uint64_t page = table_gpa & ~0xfffull;
  bool listed = false;
  for (unsigned i = 0; i < out.n_table_writes; ++i) listed |= out.table_writes[i] == page;
  if (!listed && out.n_table_writes < out.table_writes.size()) {
    if (untracked) out.table_writes_untracked |= uint8_t(1u << out.n_table_writes);
    out.table_writes_hpa[out.n_table_writes] = s2.hpa & ~0xfffull;
    out.table_writes[out.n_table_writes++] = page;
  }
  return true;
}

NestedWalkResult NestedWalker::walk(uint64_t s1_root, uint64_t s2_root, uint64_t iova, bool write,
                                    bool track_s1, bool track_s2, Ps start,
                                    const NestedWalkCaches& caches) {
  NestedWalkResult out;
  Ps t = start + overhead_;
  if (s1_.iova_bits() < 64 && (iova >> s1_.iova_bits())) {
    out.fault = FaultReason::BeyondFormat;
    out.fault_stage = WalkStage::Stage1;
    out.done = t;
    return out;
  }
  uint64_t table_gpa = s1_root;
  unsigned top = s1_.levels();
  if (caches.s1) {
    const WalkCache::Hit h = caches.s1->lookup(caches.s1_did, iova, caches.pasid);
    if (h.level) {
      out.s1_cached_levels = top - h.level;
      top = h.level;
      table_gpa = h.table;
    }
  }
  for (unsigned level = top; level >= 1; --level) {
    const uint64_t entry_gpa = table_gpa + 8ull * s1_.index(iova, level);
    const Stage2 s2 = translate(s2_root, entry_gpa, false, track_s2, t, out, caches);
    if (out.fault != FaultReason::None) break;
    t = timing_.access(t, 8);
    ++out.s1_reads;
    uint64_t* word = mem_.word64(s2.hpa);
    const Pte p = s1_.decode(*word, level);
    if (!p.present) {
      out.fault = FaultReason::NotPresent;
      out.fault_stage = WalkStage::Stage1;
      break;
    }
    if (!p.leaf) {
      if (track_s1 &&
          !update_entry(word, s1_.table_with_access(*word), entry_gpa, s2, track_s2, t, out))
        break;
      if (caches.s1) caches.s1->fill(caches.s1_did, iova, level, p.addr, caches.pasid);
      table_gpa = p.addr;
      continue;
    }
    const bool writable = p.w && (track_s1 || !p.w_needs_tracking);
    if (write && !writable) {
      out.fault = FaultReason::WriteToReadOnly;
      out.fault_stage = WalkStage::Stage1;
      break;
    }
    if (track_s1) {
      const uint64_t before = *word;
      if (!update_entry(word, s1_.with_access(before, write), entry_gpa, s2, track_s2, t, out))
        break;
      out.s1_a_set = !p.a;
      out.s1_d_set = write && !s1_.dirty(before) && s1_.dirty(*word);
    }
    out.s1_dirty = s1_.dirty(*word);
    out.s1_pte_addr = s2.hpa;
    out.s1_size_shift = p.size_shift;
    out.gpa = p.addr + (iova & ((1ull << p.size_shift) - 1));
    const Stage2 data = translate(s2_root, out.gpa, write, track_s2, t, out, caches);
    if (out.fault != FaultReason::None) break;
    out.s2_pte_addr = data.r.pte_addr;
    out.s2_dirty = data.r.dirty;
    out.s2_size_shift = data.r.size_shift;
    out.s2_d_set = data.r.d_set;
    out.size_shift = std::min(p.size_shift, data.r.size_shift);
    out.pbase = data.hpa & ~((1ull << out.size_shift) - 1);
    out.r = p.r && data.r.r;
    out.w = writable && data.r.w;
    break;
  }
  out.done = t;
  return out;
}

}  // namespace sim
