// An IOMMU unit assembled from its parts; the totals over units; MSIs.
#include "iommu/iommu.h"

#include <stdexcept>

namespace sim {

namespace {
std::unique_ptr<PageTableFormat> checked_format(const IommuConfig& c) {
  std::unique_ptr<PageTableFormat> f = make_format(c.format, c.levels);
  if (!f) throw std::logic_error("unknown page-table format");
  return f;
}
}  // namespace

Iommu::Iommu(const IommuConfig& c, SparseMemory& mem, MemoryTiming& timing, Dispatcher& d,
             StatsRegistry& stats, TraceRecorder& trace)
    : c_(c),
      trace_(trace),
      format_(checked_format(c)),
      walker_(*format_, mem, timing, c.walk_overhead),
      dirty_log_(c.dirty_log, mem, timing),
      walk_cache_(c.walk_cache.entries, c.walk_cache.ways, format_->levels()),
      s1_walk_cache_(c.nesting ? c.walk_cache.stage1_entries : 0, c.walk_cache.ways, 5),
      iotlb_(c.iotlb.entries, c.iotlb.ways, c.iotlb.replacement == IotlbReplacement::Lru),
      fault_log_(mem),
      contexts_(mem, timing, stats, c.nesting),
      inv_(c_, contexts_, walk_cache_, iotlb_, stats, &s1_walk_cache_),
      queue_(
          c.name,
          {c.invalidation.wait, c.invalidation.of(c.invalidation.context),
           c.invalidation.of(c.invalidation.iotlb_page),
           c.invalidation.of(c.invalidation.iotlb_domain),
           c.invalidation.of(c.invalidation.device_tlb)},
          mem, d, stats, trace,
          [this](const InvDescriptor& desc, Ps now) { return inv_.apply(desc, now); },
          // Negative control: waits complete without waiting for writes in flight.
          [this] { return c_.negative.no_drain ? Ps(0) : drained_; },
          [this](const InvDescriptor& desc, Ps now) {
            return on_device_tlb_invalidate
                       ? on_device_tlb_invalidate(desc.sid, desc.addr, desc.span_bytes(), now)
                       : now;
          }),
      regs_(c.mode == IommuMode::Passthrough, queue_, fault_log_),
      translator_(c_,
                  {*format_, walker_, walk_cache_, iotlb_, contexts_, regs_, queue_, fault_log_,
                   *this, s1_walk_cache_, mem},
                  timing, stats, trace),
      interrupts_(stats.shared_counter("iommu.interrupts", "count", "MSI writes from devices")) {
  iotlb_.set_keep_in_flight(c.negative.stale_fill);
  queue_.set_background(c.invalidation.background_interval, c.invalidation.background_domain_every);
  if (dirty_log_.enabled()) {
    dirty_log_.count_into(stats.shared_counter("iommu.dirty_log.appends", "count",
                                               "D bits set and logged to a dirty-log ring"),
                          stats.shared_counter("iommu.dirty_log.overflows", "count",
                                               "D bits set whose log entry a full ring dropped"));
    dirty_log_.on_dropped = [this](uint64_t pbase, uint64_t bytes, Ps at) {
      if (on_dirty_log_dropped) on_dirty_log_dropped(pbase, bytes, at);
    };
    translator_.set_dirty_log(&dirty_log_);
  }
  if (c_.name == "iommu") {
    register_totals(stats, {this});
  } else {
    const std::string p = "iommu.units." + c_.name + ".";
    stats.computed(p + "inv.descriptors", "count", "this unit's invalidation descriptors",
                   [this] { return StatValue(int64_t(queue_.unit_descriptors())); });
    stats.computed(p + "inv.waits", "count", "this unit's wait descriptors",
                   [this] { return StatValue(int64_t(queue_.unit_waits())); });
  }
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
                   for (const Iommu* u : units) b += u->translator_.blocked_ps();
                   return StatValue(int64_t(b / kNs));
                 });
  stats.computed("iommu.iotlb.occupancy", "entries", "valid IOTLB entries at the end", [units] {
    int64_t n = 0;
    for (const Iommu* u : units) n += u->iotlb_.occupancy();
    return StatValue(n);
  });
}

void Iommu::interrupt(uint16_t bdf, Ps at) {
  ++interrupts_;
  if (trace_.enabled()) trace_.record(at, c_.name, "msi", {TraceField::hex("bdf", bdf)});
}

}  // namespace sim
