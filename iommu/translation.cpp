// The translation path of a DMA request: context, IOTLB hit (with the dirty update a
// write through a dirty-unknown entry needs), or a walk that fills the IOTLB; faults
// are counted, logged and traced here.
#include "iommu/translation.h"

#include "iommu/nested_translation.h"

namespace sim {

Translator::Translator(const IommuConfig& c, Parts p, MemoryTiming& timing, StatsRegistry& stats,
                       TraceRecorder& trace)
    : c_(c),
      p_(p),
      timing_(timing),
      trace_(trace),
      walkers_(c.walkers),
      iova_bits_(p.format.iova_bits()),
      hits_(
          stats.shared_counter("iommu.iotlb.hits", "count", "IOTLB hits (including joined walks)")),
      misses_(stats.shared_counter("iommu.iotlb.misses", "count", "IOTLB misses")),
      walks_(stats.shared_counter("iommu.walks", "count", "page walks")),
      misses_ts_(stats.timeseries().series("iommu.misses", TimeSeries::Kind::Sum)),
      walks_ts_(stats.timeseries().series("iommu.walks", TimeSeries::Kind::Sum)),
      accessed_sets_(
          stats.shared_counter("iommu.ad.accessed_sets", "count", "PTE A bits set by hardware")),
      dirty_sets_(
          stats.shared_counter("iommu.ad.dirty_sets", "count", "PTE D bits set by hardware")),
      stale_hits_(
          stats.shared_counter("iommu.ad.stale_dirty_hits", "count",
                               "writes through a dirty-known IOTLB entry whose PTE has D clear")),
      faults_(stats.shared_counter("iommu.faults", "count", "translation faults")),
      faults_dropped_(stats.shared_counter("iommu.faults.dropped", "count",
                                           "faults not logged: the fault log was full (overflow)")),
      walk_reads_(stats.shared_counter("iommu.walk_reads", "count", "page-table reads by walks")),
      walk_cache_hits_(
          stats.shared_counter("iommu.walk_cache.hits", "count",
                               "walks that started below the root from the walk cache")),
      ats_requests_(stats.shared_counter("iommu.ats.translation_requests", "count",
                                         "ATS translation requests answered")),
      ats_write_grants_(
          stats.shared_counter("iommu.ats.write_grants", "count",
                               "translation completions granting write (D set then)")),
      ats_stale_writes_(stats.shared_counter(
          "iommu.ats.stale_writes", "count",
          "translated writes through a write grant whose PTE has D clear (device-TLB hazard)")) {
  for (FaultReason r :
       {FaultReason::NotPresent, FaultReason::WriteToReadOnly, FaultReason::ContextNotPresent,
        FaultReason::BeyondFormat, FaultReason::AtsNotAllowed})
    fault_by_reason_[int(r)] =
        &stats.shared_counter(std::string("iommu.faults.") + fault_name(r), "count",
                              std::string("faults: ") + fault_name(r));
  if (c.nesting) nested_ = std::make_unique<NestedState>(c, p.format, p.mem, timing, stats);
  if (c.name == "iommu") return;  // the only unit: the totals are its own
  const std::string prefix = "iommu.units." + c.name + ".";
  auto unit_stat = [&](const char* n, const char* desc, const uint64_t* v) {
    stats.computed(prefix + n, "count", std::string("this unit's ") + desc,
                   [v] { return StatValue(int64_t(*v)); });
  };
  unit_stat("iotlb.hits", "IOTLB hits", &unit_.hits);
  unit_stat("iotlb.misses", "IOTLB misses", &unit_.misses);
  unit_stat("faults", "translation faults", &unit_.faults);
}

Translator::~Translator() = default;

Translation Translator::fault(FaultReason why, uint16_t bdf, uint64_t iova, bool write, Ps at,
                              WalkStage stage, uint64_t gpa) {
  ++faults_;
  ++unit_.faults;
  ++*fault_by_reason_[int(why)];
  if (stage != WalkStage::None) nested_->count_fault(stage);
  if (p_.fault_log.enabled() &&
      !p_.fault_log.append({iova, bdf, uint8_t(why), write, uint8_t(stage)}))
    ++faults_dropped_;
  if (trace_.enabled() && stage != WalkStage::None)
    trace_nested_fault(trace_, at, c_.name, bdf, iova, write, why, stage, gpa);
  else if (trace_.enabled())
    trace_.record(
        at, c_.name, "fault",
        {TraceField::hex("bdf", bdf), TraceField::hex("iova", iova),
         TraceField::str("op", write ? "write" : "read"), TraceField::str("why", fault_name(why))});
  Translation t;
  t.ok = false;
  t.fault = why;
  t.ready = at;
  return t;
}

Translation Translator::walk_and_fill(const TranslationContext& ctx, uint16_t bdf, uint32_t pasid,
                                      uint64_t iova, bool write, Ps at, Ps t) {
  const PageTableFormat& format = p_.format;
  const bool track = ctx.ade;
  Translation out;
  ++misses_;
  ++unit_.misses;
  ++walks_;
  misses_ts_.add(at);
  walks_ts_.add(at);
  // A walker takes the walk when one is free; the walk's reads are timed from there.
  const Ps nominal = c_.walk_overhead + format.levels() * timing_.latency();
  const Ps start = walkers_.peek(t, nominal);
  WalkResult w = p_.walker.walk(ctx.root, iova, write, track, start,
                                p_.walk_cache.enabled() ? &p_.walk_cache : nullptr, ctx.did);
  walk_reads_ += w.reads;
  if (w.cached_levels) ++walk_cache_hits_;
  walkers_.book(start, w.done - start);
  if (w.fault != FaultReason::None) return fault(w.fault, bdf, iova, write, at);
  if (w.a_set) ++accessed_sets_;
  if (w.d_set) ++dirty_sets_;
  IotlbEntry fill;
  fill.did = ctx.did;
  fill.pasid = pasid;
  fill.size_shift = w.size_shift;
  fill.vbase = iova & ~((1ull << w.size_shift) - 1);
  fill.pbase = w.pbase;
  fill.pte_addr = w.pte_addr;
  fill.r = w.r;
  fill.w = w.w;
  // With tracking off the hardware never needs to update D, so a writable entry
  // acts as dirty-known: why enabling tracking must flush the IOTLB.
  fill.dirty_known = track ? w.dirty : w.w;
  fill.ready = w.done;
  p_.iotlb.fill(fill);
  if (trace_.enabled())
    trace_.record(at, c_.name, "walk",
                  {TraceField::hex("iova", iova), TraceField::str("op", write ? "write" : "read"),
                   TraceField::dec("level", w.leaf_level), TraceField::dec("reads", w.reads),
                   TraceField::str("a", w.a_set ? "set" : "-"),
                   TraceField::str("d", w.d_set ? "set" : "-"), TraceField::dec("ready", w.done)});
  out.pa = w.pbase + (iova - fill.vbase);
  out.ready = w.done;
  return out;
}

// Out of the hit path's line: the record's fields would cost every hit otherwise.
void Translator::set_dirty_log(DirtyLogRing* log) {
  p_.walker.set_log(log);
  if (nested_) nested_->log = log;
}

void Translator::stale_dirty_hit(const IotlbEntry& e, uint16_t bdf, uint64_t iova, Ps at) {
  ++stale_hits_;
  if (trace_.enabled())
    trace_.record(at, c_.name, "stale_dirty_hit",
                  {TraceField::hex("iova", iova), TraceField::hex("pte", e.pte_addr)});
  if (p_.hooks.on_stale_dirty_hit)
    p_.hooks.on_stale_dirty_hit(bdf, iova, e.pbase + (iova - e.vbase), at);
}

void Translator::trace_ad_set(Ps at, uint64_t iova, uint64_t pte_addr) {
  trace_.record(at, c_.name, "ad_set",
                {TraceField::hex("iova", iova), TraceField::str("bits", "d"),
                 TraceField::hex("pte", pte_addr)});
}

void Translator::trace_hit(Ps at, uint64_t iova, bool write, Ps ready) {
  trace_.record(at, c_.name, "tlb_hit",
                {TraceField::hex("iova", iova), TraceField::str("op", write ? "write" : "read"),
                 TraceField::dec("ready", ready)});
}

}  // namespace sim
