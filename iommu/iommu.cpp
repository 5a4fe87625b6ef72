#include "iommu/iommu.h"

#include <stdexcept>

#include "iommu/vtd_regs.h"

namespace sim {

Iommu::Iommu(const IommuConfig& c, SparseMemory& mem, MemoryTiming& timing, Dispatcher& d,
             StatsRegistry& stats, TraceRecorder& trace)
    : c_(c),
      mem_(mem),
      timing_(timing),
      trace_(trace),
      format_(make_format(c.format, c.levels)),
      walker_(*format_, mem, timing, c.walk_overhead),
      walk_cache_(c.walk_cache.entries, c.walk_cache.ways, format_ ? format_->levels() : 4),
      iotlb_(c.iotlb.entries, c.iotlb.ways, c.iotlb.replacement == "lru"),
      walkers_(c.walkers),
      queue_(
          c.name,
          {c.invalidation.wait, c.invalidation.of(c.invalidation.context),
           c.invalidation.of(c.invalidation.iotlb_page),
           c.invalidation.of(c.invalidation.iotlb_domain),
           c.invalidation.of(c.invalidation.device_tlb)},
          mem, d, stats, trace,
          [this](const InvDescriptor& desc, Ps now) { return apply(desc, now); },
          // Negative control: waits complete without waiting for writes in flight.
          [this] { return c_.negative.no_drain ? Ps(0) : drained_; },
          [this](const InvDescriptor& desc, Ps now) {
            return on_device_tlb_invalidate
                       ? on_device_tlb_invalidate(desc.sid, desc.addr, desc.span_bytes(), now)
                       : now;
          }),
      fault_log_(mem),
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
      ctx_misses_(
          stats.shared_counter("iommu.context_cache.misses", "count", "context entries fetched")),
      ats_requests_(stats.shared_counter("iommu.ats.translation_requests", "count",
                                         "ATS translation requests answered")),
      ats_write_grants_(
          stats.shared_counter("iommu.ats.write_grants", "count",
                               "translation completions granting write (D set then)")),
      ats_stale_writes_(stats.shared_counter(
          "iommu.ats.stale_writes", "count",
          "translated writes through a write grant whose PTE has D clear (device-TLB hazard)")),
      interrupts_(stats.shared_counter("iommu.interrupts", "count", "MSI writes from devices")),
      walk_reads_(stats.shared_counter("iommu.walk_reads", "count", "page-table reads by walks")),
      walk_cache_hits_(
          stats.shared_counter("iommu.walk_cache.hits", "count",
                               "walks that started below the root from the walk cache")),
      faults_dropped_(stats.shared_counter("iommu.faults.dropped", "count",
                                           "faults not logged: the fault log was full (overflow)")),
      unsupported_(
          stats.shared_counter("iommu.inv.unsupported", "count",
                               "page invalidations in an encoding the hardware lacks (done "
                               "as domain invalidations)")) {
  if (!format_) throw std::logic_error("unknown page-table format");
  iotlb_.set_keep_in_flight(c.negative.stale_fill);
  queue_.set_background(c.invalidation.background_interval, c.invalidation.background_domain_every);
  for (FaultReason r :
       {FaultReason::NotPresent, FaultReason::WriteToReadOnly, FaultReason::ContextNotPresent,
        FaultReason::BeyondFormat, FaultReason::AtsNotAllowed})
    fault_by_reason_[int(r)] =
        &stats.shared_counter(std::string("iommu.faults.") + fault_name(r), "count",
                              std::string("faults: ") + fault_name(r));
  if (c_.name == "iommu") {
    register_totals(stats, {this});
  } else {
    const std::string p = "iommu.units." + c_.name + ".";
    auto unit_stat = [&](const char* n, const char* desc, const uint64_t* v) {
      stats.computed(p + n, "count", std::string("this unit's ") + desc,
                     [v] { return StatValue(int64_t(*v)); });
    };
    unit_stat("iotlb.hits", "IOTLB hits", &unit_.hits);
    unit_stat("iotlb.misses", "IOTLB misses", &unit_.misses);
    unit_stat("faults", "translation faults", &unit_.faults);
    stats.computed(p + "inv.descriptors", "count", "this unit's invalidation descriptors",
                   [this] { return StatValue(int64_t(queue_.unit_descriptors())); });
    stats.computed(p + "inv.waits", "count", "this unit's wait descriptors",
                   [this] { return StatValue(int64_t(queue_.unit_waits())); });
  }
  if (c_.mode == "passthrough") gsts_ = 0;
}

void Iommu::register_totals(StatsRegistry& stats, std::vector<const Iommu*> units) {
  const uint64_t& hits = stats.shared_counter("iommu.iotlb.hits", "count", "");
  const uint64_t& misses = stats.shared_counter("iommu.iotlb.misses", "count", "");
  stats.computed("iommu.iotlb.miss_rate", "ratio", "misses / (hits + misses)", [&hits, &misses] {
    const uint64_t n = hits + misses;
    return StatValue(n ? double(misses) / double(n) : 0.0);
  });
  stats.computed("iommu.inv.blocked_ns", "ns",
                 "time translations waited for invalidations in progress (blocks_translation)",
                 [units] {
                   Ps b = 0;
                   for (const Iommu* u : units) b += u->blocked_ps_;
                   return StatValue(int64_t(b / kNs));
                 });
  stats.computed("iommu.iotlb.occupancy", "entries", "valid IOTLB entries at the end", [units] {
    int64_t n = 0;
    for (const Iommu* u : units) n += u->iotlb_.occupancy();
    return StatValue(n);
  });
}

std::optional<ContextEntry> Iommu::context(uint16_t bdf, uint32_t pasid, Ps& t) {
  // The last answer, while no context or PASID-cache invalidation has applied: a run of
  // TLPs from one device skips the cache lookups (a cached entry costs no time).
  if (memo_.valid && memo_.bdf == bdf && memo_.pasid == pasid) return memo_.ctx;
  std::optional<ContextEntry> r = resolve_context(bdf, pasid, t);
  if (r) memo_ = {true, bdf, pasid, *r};
  return r;
}

std::optional<ContextEntry> Iommu::resolve_context(uint16_t bdf, uint32_t pasid, Ps& t) {
  std::optional<ContextEntry> ctx = device_context(bdf, t);
  if (!ctx) return std::nullopt;
  // Without PASIDs enabled a request with a PASID is blocked (VT-d legacy mode).
  if (!ctx->pasid) return pasid == kNoPasid ? ctx : std::nullopt;
  const uint32_t p = pasid == kNoPasid ? kRidPasid : pasid;
  if (p >= kPasidTableEntries) return std::nullopt;
  const uint64_t key = uint64_t(bdf) << 32 | p;
  auto it = pasid_cache_.find(key);
  if (it == pasid_cache_.end()) {
    ++ctx_misses_;
    const uint64_t a = pasid_entry_addr(ctx->root, p);
    PasidEntry pe = PasidEntry::decode(mem_.read64(a), mem_.read64(a + 8));
    t = timing_.access(t, 16);
    if (!pe.present) return std::nullopt;
    it = pasid_cache_.emplace(key, pe).first;
  }
  const PasidEntry& pe = it->second;
  ContextEntry eff = *ctx;  // the device's translation type (ATS or not) stays
  if (pe.pass_through) eff.tt = ContextEntry::kPassThrough;
  eff.root = pe.root;
  eff.aw = pe.aw;
  eff.ade = pe.ade;
  eff.did = pe.did;
  eff.pasid = false;
  return eff;
}

std::optional<ContextEntry> Iommu::device_context(uint16_t bdf, Ps& t) {
  auto it = context_cache_.find(bdf);
  if (it != context_cache_.end()) return it->second;
  if (!root_table_) return std::nullopt;
  ++ctx_misses_;
  const uint64_t ra = root_entry_addr(root_table_, bdf);
  RootEntry root = RootEntry::decode(mem_.read64(ra), mem_.read64(ra + 8));
  t = timing_.access(t, 16);
  if (!root.present) return std::nullopt;
  const uint64_t ca = context_entry_addr(root.context_table, bdf);
  ContextEntry ctx = ContextEntry::decode(mem_.read64(ca), mem_.read64(ca + 8));
  t = timing_.access(t, 16);
  if (!ctx.present) return std::nullopt;  // not cached: a later attach needs no invalidation
  context_cache_[bdf] = ctx;
  return ctx;
}

Translation Iommu::fault(FaultReason why, uint16_t bdf, uint64_t iova, bool write, Ps at) {
  ++faults_;
  ++unit_.faults;
  ++*fault_by_reason_[int(why)];
  if (fault_log_.enabled() && !fault_log_.append({iova, bdf, uint8_t(why), write}))
    ++faults_dropped_;
  if (trace_.enabled())
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

Translation Iommu::translate(uint16_t bdf, uint32_t pasid, uint64_t iova, uint32_t len, bool write,
                             Ps at) {
  Translation out;
  out.ready = at;
  out.pa = iova;
  if (!translation_enabled()) return out;  // passthrough for everyone
  Ps t = at;
  // While the queue processes an IOTLB or context descriptor, lookups wait for it
  // (timing only: the lookup still sees the caches as they are now).
  if (c_.invalidation.blocks_translation && queue_.busy_until() > t) {
    blocked_ps_ += queue_.busy_until() - t;
    t = queue_.busy_until();
  }
  std::optional<ContextEntry> ctx = context(bdf, pasid, t);
  if (!ctx) return fault(FaultReason::ContextNotPresent, bdf, iova, write, at);
  if (ctx->tt == ContextEntry::kPassThrough) {
    out.ready = t;
    return out;
  }
  if (format_->iova_bits() < 64 && (iova + len - 1) >> format_->iova_bits())
    return fault(FaultReason::BeyondFormat, bdf, iova, write, at);
  const bool track = ctx->ade;
  IotlbEntry* e = iotlb_.lookup(ctx->did, pasid, iova);
  if (e) {
    ++hits_;
    ++unit_.hits;
    t = std::max(t, e->ready) + c_.hit_latency;  // joins a walk still in flight
    if (write && !e->w) return fault(FaultReason::WriteToReadOnly, bdf, iova, write, at);
    if (write && track) {
      if (!e->dirty_known) {
        if (walker_.set_dirty(e->pte_addr)) ++dirty_sets_;
        e->dirty_known = true;
        t = timing_.access(t, 8);
        if (trace_.enabled())
          trace_.record(at, c_.name, "ad_set",
                        {TraceField::hex("iova", iova), TraceField::str("bits", "d"),
                         TraceField::hex("pte", e->pte_addr)});
      } else if (!walker_.pte_dirty(e->pte_addr)) {
        // The hazard flushes exist for: the write leaves no trace in the page table.
        ++stale_hits_;
        if (trace_.enabled())
          trace_.record(at, c_.name, "stale_dirty_hit",
                        {TraceField::hex("iova", iova), TraceField::hex("pte", e->pte_addr)});
        if (on_stale_dirty_hit) on_stale_dirty_hit(bdf, iova, e->pbase + (iova - e->vbase), at);
      }
    }
    if (trace_.enabled()) trace_hit(at, iova, write, t);
    out.pa = e->pbase + (iova - e->vbase);
    out.ready = t;
    return out;
  }
  ++misses_;
  ++unit_.misses;
  ++walks_;
  misses_ts_.add(at);
  walks_ts_.add(at);
  // A walker takes the walk when one is free; the walk's reads are timed from there.
  const Ps nominal = c_.walk_overhead + format_->levels() * timing_.latency();
  const Ps start = walkers_.peek(t, nominal);
  WalkResult w = walker_.walk(ctx->root, iova, write, track, start,
                              walk_cache_.enabled() ? &walk_cache_ : nullptr, ctx->did);
  walk_reads_ += w.reads;
  if (w.cached_levels) ++walk_cache_hits_;
  walkers_.book(start, w.done - start);
  if (w.fault != FaultReason::None) return fault(w.fault, bdf, iova, write, at);
  if (w.a_set) ++accessed_sets_;
  if (w.d_set) ++dirty_sets_;
  IotlbEntry fill;
  fill.did = ctx->did;
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
  iotlb_.fill(fill);
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
void Iommu::trace_hit(Ps at, uint64_t iova, bool write, Ps ready) {
  trace_.record(at, c_.name, "tlb_hit",
                {TraceField::hex("iova", iova), TraceField::str("op", write ? "write" : "read"),
                 TraceField::dec("ready", ready)});
}

unsigned Iommu::apply(const InvDescriptor& d, Ps now) {
  if (d.type == InvDescriptor::kContext || d.type == InvDescriptor::kPasidCache)
    memo_.valid = false;
  if (d.type == InvDescriptor::kContext) {
    const bool global = d.granularity == InvDescriptor::kGlobal;
    std::erase_if(context_cache_, [&](const auto& kv) {
      return global || (d.granularity == InvDescriptor::kDomain && kv.second.did == d.did) ||
             (d.granularity == InvDescriptor::kPage && kv.first == d.sid);
    });
    // PASID entries are reached through the device's context: they go with it.
    if (d.granularity != InvDescriptor::kDomain)
      std::erase_if(pasid_cache_,
                    [&](const auto& kv) { return global || uint16_t(kv.first >> 32) == d.sid; });
    return 0;  // context entries are not IOTLB entries
  }
  if (d.type == InvDescriptor::kPasidCache) {
    std::erase_if(pasid_cache_, [&](const auto& kv) {
      return d.granularity == InvDescriptor::kGlobal ||
             (kv.second.did == d.did &&
              (d.granularity == InvDescriptor::kDomain || uint32_t(kv.first) == d.pasid));
    });
    return 0;
  }
  if (d.type != InvDescriptor::kIotlb) return 0;
  if (d.granularity == InvDescriptor::kGlobal) {
    walk_cache_.invalidate_all();
    return iotlb_.invalidate_all(now);
  }
  if (d.granularity == InvDescriptor::kDomain) {
    walk_cache_.invalidate_domain(d.did);
    return iotlb_.invalidate_domain(d.did, now);
  }
  // A page invalidation the hardware cannot take (a range on power-of-two hardware, an
  // order on page-only hardware) is done as a domain one: safe, and counted.
  const bool range = d.granularity == InvDescriptor::kRange;
  if ((range && c_.invalidation.encoding != InvEncoding::ArbitraryRange) ||
      (d.am && c_.invalidation.encoding == InvEncoding::PageOnly)) {
    ++unsupported_;
    walk_cache_.invalidate_domain(d.did);
    return iotlb_.invalidate_domain(d.did, now);
  }
  const uint64_t base = range ? d.addr : d.addr & ~((4096ull << d.am) - 1);
  const uint64_t size = range ? uint64_t(d.pages) << 12 : 4096ull << d.am;
  if (!(d.ih && c_.walk_cache.honour_leaf_hint)) walk_cache_.invalidate_range(d.did, base, size);
  return iotlb_.invalidate_range(d.did, base, size, now);
}

uint64_t Iommu::mmio_read(uint64_t offset, unsigned, Ps) {
  switch (offset) {
    case vtd::GSTS:
      return gsts_;
    case vtd::FSTS:
      return fault_log_.overflow() ? vtd::AFO : 0;
    case vtd::AFLOG:
      return fault_log_.aflog();
    case vtd::RTADDR:
      return rtaddr_;
    case vtd::IQH:
      return queue_.head();
    case vtd::IQT:
      return queue_.tail();
    case vtd::IQA:
      return queue_.iqa();
    default:
      return 0;
  }
}

void Iommu::mmio_write(uint64_t offset, uint64_t value, unsigned, Ps at) {
  switch (offset) {
    case vtd::GCMD: {
      uint32_t cmd = uint32_t(value);
      if (cmd & vtd::SRTP) {
        root_table_ = rtaddr_;
        gsts_ |= vtd::SRTP;
      }
      if (cmd & vtd::SFL) {
        fault_log_.latch();
        gsts_ |= vtd::SFL;
      }
      if (c_.mode == "passthrough") cmd &= ~vtd::TE;  // the platform keeps translation off
      gsts_ = (gsts_ & (vtd::SRTP | vtd::SFL)) | (cmd & (vtd::TE | vtd::QIE));
      return;
    }
    case vtd::AFLOG:
      fault_log_.write_aflog(value);
      return;
    case vtd::FSTS:
      if (value & vtd::AFO) fault_log_.clear_overflow();
      return;
    case vtd::RTADDR:
      rtaddr_ = value & ~0xfffull;
      return;
    case vtd::IQA:
      queue_.write_iqa(value);
      return;
    case vtd::IQT:
      if (gsts_ & vtd::QIE) queue_.write_tail(value, at);
      return;
    default:
      return;
  }
}

void Iommu::interrupt(uint16_t bdf, Ps at) {
  ++interrupts_;
  if (trace_.enabled()) trace_.record(at, c_.name, "msi", {TraceField::hex("bdf", bdf)});
}

}  // namespace sim
