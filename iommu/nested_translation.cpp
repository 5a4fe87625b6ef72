// The translation path of a nested context: a combined IOTLB entry (stage-1 domain,
// PASID, stage-2 domain), else a two-stage walk through both walk caches that fills
// one with the smaller page and the tighter permission. A write through an entry not
// yet dirty-known walks again, as only a walk can set stage-1 D in the guest's leaf
// and stage-2 D on the parent; every guest table page the walk wrote is reported.
#include "iommu/nested_translation.h"

#include "iommu/translation.h"

namespace sim {

NestedState::NestedState(const IommuConfig& c, const PageTableFormat& s2, SparseMemory& m,
                         MemoryTiming& t, StatsRegistry& stats)
    : s2_format(s2),
      mem(m),
      timing(t),
      overhead(c.walk_overhead),
      skip_table_dirty(c.negative.nested_s1_ad_skips_s2_dirty),
      walks(stats.shared_counter("iommu.nested.walks", "count", "two-stage (nested) walks")),
      reads_per_miss(stats.shared_histogram("iommu.nested.reads_per_walk", "entries",
                                            "entries a nested walk read (both stages)")),
      s1_walk_cache_hits(stats.shared_counter("iommu.nested.s1_walk_cache_hits", "count",
                                              "nested walks that started below the stage-1 root")),
      s2_walk_cache_hits(
          stats.shared_counter("iommu.nested.s2_walk_cache_hits", "count",
                               "stage-2 walks of nested walks that started below the root")),
      rewalks(stats.shared_counter(
          "iommu.nested.write_rewalks", "count",
          "writes that hit a combined entry not dirty-known or read-only and walked again")),
      guest_table_writes(
          stats.shared_counter("iommu.nested.guest_table_writes", "count",
                               "guest table pages written by stage-1 A/D updates (per walk)")),
      s2_table_dirty_sets(
          stats.shared_counter("iommu.nested.s2_table_dirty_sets", "count",
                               "stage-2 D bits set on guest table pages by stage-1 A/D updates")),
      faults_s1(stats.shared_counter("iommu.faults.stage1", "count",
                                     "faults of nested contexts in stage 1")),
      faults_s2(stats.shared_counter("iommu.faults.stage2", "count",
                                     "faults of nested contexts in stage 2")) {}

NestedState::Stage1& NestedState::stage1(const PasidNesting& n) {
  Stage1& s = stage1s[(unsigned(n.s1_format) & 7) * 8 + (n.s1_levels & 7)];
  if (!s.walker) {
    s.reg = stage1_format(n.s1_format);  // the context cache let only valid entries through
    s.format = s.reg->make(n.s1_levels);
    s.walker = std::make_unique<NestedWalker>(*s.format, s2_format, mem, timing, overhead);
    s.walker->skip_table_dirty(skip_table_dirty);
    s.walker->set_log(log);
  }
  return s;
}

void trace_nested_fault(TraceRecorder& trace, Ps at, const std::string& unit, uint16_t bdf,
                        uint64_t iova, bool write, FaultReason why, WalkStage stage, uint64_t gpa) {
  std::vector<TraceField> fields = {TraceField::hex("bdf", bdf), TraceField::hex("iova", iova),
                                    TraceField::str("op", write ? "write" : "read"),
                                    TraceField::str("why", fault_name(why)),
                                    TraceField::str("stage", stage_name(stage))};
  // Only stage 2 has a GPA it could not translate or write.
  if (stage == WalkStage::Stage2) fields.push_back(TraceField::hex("gpa", gpa));
  trace.record(at, unit, "fault", std::move(fields));
}

IotlbEntry* Translator::entry_for(const TranslationContext& ctx, uint32_t pasid, uint64_t iova) {
  if (!ctx.nested) return p_.iotlb.lookup(ctx.did, pasid, iova);
  return p_.iotlb.lookup_nested(ctx.did, pasid == kNoPasid ? kRidPasid : pasid, ctx.nest.s2_did,
                                iova);
}

Translation Translator::translate_nested(const TranslationContext& ctx, uint16_t bdf,
                                         uint32_t pasid, uint64_t iova, uint32_t len, bool write,
                                         Ps at, Ps t) {
  NestedState& n = *nested_;  // a unit without nesting never resolves a nested context
  NestedState::Stage1& s1 = n.stage1(ctx.nest);
  const PageTableFormat& f1 = *s1.format;
  if (f1.iova_bits() < 64 && (iova + len - 1) >> f1.iova_bits())
    return fault(FaultReason::BeyondFormat, bdf, iova, write, at, WalkStage::Stage1);
  const uint32_t tag = pasid == kNoPasid ? kRidPasid : pasid;
  const bool track_s1 = s1.reg->ad_always || ctx.nest.s1_ad;
  const bool track_s2 = ctx.ade;
  Translation out;
  IotlbEntry* e = p_.iotlb.lookup_nested(ctx.did, tag, ctx.nest.s2_did, iova);
  if (e) {
    ++hits_;
    ++unit_.hits;
    t = std::max(t, e->ready) + c_.hit_latency;  // joins a walk still in flight
    if (!write || (e->w && e->dirty_known)) {
      if (write && track_s2 && !p_.walker.pte_dirty(e->pte_addr)) {
        // A combined entry that outlived a stage-2 flush: the write leaves no D behind.
        stale_dirty_hit(*e, bdf, iova, at);
      }
      if (trace_.enabled()) trace_hit(at, iova, write, t);
      out.pa = e->pbase + (iova - e->vbase);
      out.ready = t;
      return out;
    }
    ++n.rewalks;  // only a walk sets D in both stages, or finds a permission since granted
  } else {
    ++misses_;
    ++unit_.misses;
    misses_ts_.add(at);
  }
  ++walks_;
  ++n.walks;
  walks_ts_.add(at);
  const unsigned l1 = f1.levels(), l2 = n.s2_format.levels();
  const Ps nominal = c_.walk_overhead + ((l1 + 1) * l2 + l1) * timing_.latency();
  const Ps start = walkers_.peek(t, nominal);
  NestedWalkCaches caches;
  if (p_.s1_walk_cache.enabled()) caches = {&p_.s1_walk_cache, ctx.did, tag};
  if (p_.walk_cache.enabled()) {
    caches.s2 = &p_.walk_cache;
    caches.s2_did = ctx.nest.s2_did;
  }
  const NestedWalkResult w =
      s1.walker->walk(ctx.nest.s1_root, ctx.root, iova, write, track_s1, track_s2, start, caches);
  walk_reads_ += w.reads();
  n.reads_per_miss.add(w.reads());
  if (w.s1_cached_levels) ++n.s1_walk_cache_hits;
  n.s2_walk_cache_hits += w.s2_cache_hits;
  if (w.s1_cached_levels || w.s2_cache_hits) ++walk_cache_hits_;
  walkers_.book(start, w.done - start);
  // Stage-1 A/D writes happen before a later fault too: each is a guest write.
  n.guest_table_writes += w.n_table_writes;
  n.s2_table_dirty_sets += w.s2_table_pages_dirtied;
  dirty_sets_ += w.s2_table_pages_dirtied;
  if (p_.hooks.on_guest_table_write)
    for (unsigned i = 0; i < w.n_table_writes; ++i)
      p_.hooks.on_guest_table_write(bdf, w.table_writes[i], w.table_writes_hpa[i], w.done);
  // The negative control's table writes that left no stage-2 D: the IOMMU let a write
  // skip D, as a stale dirty hit does.
  if (p_.hooks.on_stale_dirty_hit)
    for (unsigned i = 0; i < w.n_table_writes; ++i)
      if (w.table_writes_untracked >> i & 1)
        p_.hooks.on_stale_dirty_hit(bdf, w.table_writes[i], w.table_writes_hpa[i], w.done);
  if (w.fault != FaultReason::None)
    return fault(w.fault, bdf, iova, write, at, w.fault_stage, w.fault_gpa);
  accessed_sets_ += w.s1_a_set;
  dirty_sets_ += unsigned(w.s1_d_set) + unsigned(w.s2_d_set);
  IotlbEntry fill;
  fill.did = ctx.did;
  fill.pasid = tag;
  fill.stage = kStageNested;
  fill.s2_did = ctx.nest.s2_did;
  fill.size_shift = w.size_shift;
  fill.vbase = iova & ~((1ull << w.size_shift) - 1);
  fill.pbase = w.pbase;
  fill.pte_addr = w.s2_pte_addr;
  fill.r = w.r;
  fill.w = w.w;
  // A write through it touches no table only when both leaves are dirty (or untracked).
  fill.dirty_known = w.w && (!track_s1 || w.s1_dirty) && (!track_s2 || w.s2_dirty);
  fill.ready = w.done;
  p_.iotlb.fill(fill);
  if (trace_.enabled())
    trace_.record(
        at, c_.name, "nested_walk",
        {TraceField::hex("iova", iova), TraceField::str("op", write ? "write" : "read"),
         TraceField::hex("gpa", w.gpa), TraceField::dec("size_shift", w.size_shift),
         TraceField::dec("s1_reads", w.s1_reads), TraceField::dec("s2_reads", w.s2_reads),
         TraceField::dec("table_writes", w.n_table_writes), TraceField::dec("ready", w.done)});
  out.pa = w.pbase + (iova - fill.vbase);
  out.ready = w.done;
  return out;
}

}  // namespace sim
