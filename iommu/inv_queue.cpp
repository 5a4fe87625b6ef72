#include "iommu/inv_queue.h"

#include <algorithm>

namespace sim {

InvQueue::InvQueue(const std::string& unit, Costs costs, SparseMemory& mem, Dispatcher& d,
                   StatsRegistry& stats, TraceRecorder& trace,
                   std::function<unsigned(const InvDescriptor&, Ps)> apply,
                   std::function<Ps()> drained,
                   std::function<Ps(const InvDescriptor&, Ps)> device_tlb)
    : unit_(unit),
      costs_(costs),
      mem_(mem),
      d_(d),
      trace_(trace),
      apply_(std::move(apply)),
      drained_(std::move(drained)),
      device_tlb_(std::move(device_tlb)),
      descriptors_(stats.shared_counter("iommu.inv.descriptors", "count",
                                        "invalidation descriptors processed")),
      iotlb_descs_(
          stats.shared_counter("iommu.inv.iotlb", "count", "IOTLB invalidation descriptors")),
      context_descs_(stats.shared_counter("iommu.inv.context", "count",
                                          "context-cache invalidation descriptors")),
      waits_(stats.shared_counter("iommu.inv.waits", "count", "wait descriptors completed")),
      background_descs_(stats.shared_counter("iommu.inv.background", "count",
                                             "descriptors of other queue users processed")),
      devtlb_descs_(stats.shared_counter("iommu.inv.device_tlb", "count",
                                         "device-TLB (ATS) invalidation descriptors")),
      devtlb_latency_(stats.shared_histogram("iommu.inv.device_tlb_latency_ns", "ns",
                                             "device-TLB invalidation: sent to completion back")),
      sync_iotlb_(
          stats.shared_histogram("iommu.inv.sync_latency_iotlb_ns", "ns",
                                 "waits behind IOMMU descriptors only: tail write to status")),
      sync_devtlb_(
          stats.shared_histogram("iommu.inv.sync_latency_device_tlb_ns", "ns",
                                 "waits behind device-TLB invalidations: tail write to status")),
      killed_(
          stats.shared_counter("iommu.iotlb.entries_killed", "count", "IOTLB entries invalidated")),
      depth_ts_(stats.timeseries().series(unit == "iommu"
                                              ? std::string("iommu.inv.queue_depth")
                                              : "iommu.units." + unit + ".inv.queue_depth",
                                          TimeSeries::Kind::Level)),
      sync_latency_(stats.shared_histogram("iommu.inv.sync_latency_ns", "ns",
                                           "wait descriptor: tail write to status write")) {}

void InvQueue::write_iqa(uint64_t v) {
  iqa_ = v;
  head_ = tail_ = 0;
  submit_time_.assign(slots(), 0);
}

InvDescriptor InvQueue::read(uint64_t index) const {
  uint64_t a = base() + index * 16;
  return InvDescriptor::decode(mem_.read64(a), mem_.read64(a + 8));
}

void InvQueue::write_tail(uint64_t byte_offset, Ps at) {
  uint64_t new_tail = (byte_offset / 16) % slots();
  for (uint64_t i = tail_; i != new_tail; i = (i + 1) % slots()) submit_time_[i] = at;
  tail_ = new_tail;
  depth_ts_.level(at, depth());
  if (!busy_) start_next(at);
}

// The engine takes the descriptor at head: it completes after its cost.
void InvQueue::set_background(Ps interval, unsigned domain_every) {
  bg_interval_ = interval;
  bg_domain_every_ = domain_every;
  if (interval)
    d_.schedule(d_.now() + interval, Rank::InvalidationCompletion, this, kBackgroundArrival);
}

// The engine takes the earlier of software's next descriptor and the background's.
void InvQueue::start_next(Ps at) {
  const bool soft = head_ != tail_;
  if (!soft && background_.empty()) {
    busy_ = false;
    busy_until_ = 0;
    return;
  }
  busy_ = true;
  serving_background_ =
      !background_.empty() && (!soft || background_.front().arrived <= submit_time_[head_]);
  InvDescriptor desc = serving_background_ ? background_.front().desc : read(head_);
  Ps cost = 0;
  switch (desc.type) {
    case InvDescriptor::kWait:
      cost = costs_.wait;
      break;
    case InvDescriptor::kContext:
    case InvDescriptor::kPasidCache:
      cost = costs_.context;
      break;
    case InvDescriptor::kDeviceTlb:
      cost = costs_.device_tlb;
      break;
    default:
      cost = desc.granularity == InvDescriptor::kPage ? costs_.iotlb_page : costs_.iotlb_domain;
  }
  if (zero_cost_) cost = 0;
  const bool blocks = desc.type == InvDescriptor::kIotlb || desc.type == InvDescriptor::kContext ||
                      desc.type == InvDescriptor::kPasidCache ||
                      desc.type == InvDescriptor::kPasidIotlb;
  busy_until_ = blocks ? at + cost : 0;
  d_.schedule(at + cost, Rank::InvalidationCompletion, this, 0);
}

void InvQueue::on_event(Ps now, uint64_t arg) {
  if (arg == kBackgroundArrival) {
    ++bg_arrivals_;
    const bool domain = bg_domain_every_ && bg_arrivals_ % bg_domain_every_ == 0;
    const uint64_t page = (bg_arrivals_ * 0x9e3779b97f4a7c15ull >> 28) << 12;  // anywhere
    background_.push_back({domain ? InvDescriptor::iotlb_domain(kForeignDomain)
                                  : InvDescriptor::iotlb_page(kForeignDomain, page, 0, false),
                           now});
    InvDescriptor wait = InvDescriptor::wait(0, 0);
    wait.sw = false;  // its user polls nothing we model
    background_.push_back({wait, now});
    d_.schedule(now + bg_interval_, Rank::InvalidationCompletion, this, kBackgroundArrival);
    if (!busy_) start_next(now);
    return;
  }
  if (serving_background_) {
    const InvDescriptor desc = background_.front().desc;
    background_.pop_front();
    if (desc.type != InvDescriptor::kWait) apply_(desc, now);  // foreign: kills none of ours
    ++background_descs_;
    start_next(now);
    return;
  }
  InvDescriptor desc = read(head_);
  if (desc.type == InvDescriptor::kWait) {
    // Device-TLB invalidations complete when the devices say so; writes they let
    // through before that must land too.
    if (devtlb_until_ > now) {
      d_.schedule(devtlb_until_, Rank::InvalidationCompletion, this, 0);
      return;
    }
    if (devtlb_until_) {
      drain_until_ = std::max(drain_until_, drained_());
      devtlb_until_ = 0;
    }
    // Drain: the status may only say "done" once the writes translated before the
    // earlier invalidations took effect have landed (later writes do not count).
    if (drain_until_ > now) {
      d_.schedule(drain_until_, Rank::InvalidationCompletion, this, 0);
      return;
    }
    drain_until_ = 0;
    if (desc.sw) mem_.write32(desc.addr, desc.status);
    ++waits_;
    ++unit_waits_;
    Ps latency = now - submit_time_[head_];
    if (!zero_cost_) {  // set-up syncs are not the workload's
      sync_latency_.add(latency / kNs);
      (with_devtlb_ ? sync_devtlb_ : sync_iotlb_).add(latency / kNs);
    }
    with_devtlb_ = false;
    if (trace_.enabled())
      trace_.record(
          now, unit_, "wait_done",
          {TraceField::hex("status_addr", desc.addr), TraceField::dec("latency_ps", latency)});
  } else if (desc.type == InvDescriptor::kDeviceTlb) {
    const Ps back = zero_cost_ ? now : device_tlb_(desc, now);
    devtlb_until_ = std::max(devtlb_until_, back);
    with_devtlb_ = true;
    ++devtlb_descs_;
    if (!zero_cost_) devtlb_latency_.add((back - now) / kNs);
    if (trace_.enabled())
      trace_.record(now, unit_, "inv_done",
                    {TraceField::str("type", "device_tlb"), TraceField::hex("sid", desc.sid),
                     TraceField::hex("addr", desc.addr), TraceField::dec("order", desc.am),
                     TraceField::dec("back", back)});
  } else {
    unsigned killed = apply_(desc, now);
    drain_until_ = std::max(drain_until_, drained_());
    killed_ += killed;
    if (desc.type == InvDescriptor::kIotlb) ++iotlb_descs_;
    if (desc.type == InvDescriptor::kContext) ++context_descs_;
    if (trace_.enabled()) {
      const char* type = desc.type == InvDescriptor::kIotlb        ? "iotlb"
                         : desc.type == InvDescriptor::kContext    ? "context"
                         : desc.type == InvDescriptor::kPasidCache ? "pasid_cache"
                         : desc.type == InvDescriptor::kPasidIotlb ? "piotlb"
                                                                   : "other";
      // A PASID-based one's "domain" is one PASID's, its "global" the domain's.
      const bool pasid_based = desc.type == InvDescriptor::kPasidIotlb;
      const char* gran =
          desc.granularity == InvDescriptor::kGlobal   ? (pasid_based ? "domain" : "global")
          : desc.granularity == InvDescriptor::kDomain ? (pasid_based ? "pasid" : "domain")
                                                       : "page";
      trace_.record(now, unit_, "inv_done",
                    {TraceField::str("type", type), TraceField::str("gran", gran),
                     TraceField::dec("did", desc.did), TraceField::hex("addr", desc.addr),
                     TraceField::dec("order", desc.am), TraceField::dec("killed", killed)});
    }
  }
  ++descriptors_;
  ++unit_descs_;
  head_ = (head_ + 1) % slots();
  depth_ts_.level(now, depth());
  start_next(now);
}

}  // namespace sim
