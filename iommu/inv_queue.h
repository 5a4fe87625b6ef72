#pragma once
// The invalidation queue: a ring of descriptors in memory that software fills and
// hands over by writing the tail register. The engine processes descriptors one
// after another in simulated time; each takes effect when it completes (never at
// submit), and a wait writes its status word only after everything before it
// completed and every write already translated is visible in memory (drain).
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "iommu/inv_descriptor.h"
#include "models/memory/sparse_memory.h"
#include "models/report/histogram.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "models/sim/dispatcher.h"

namespace sim {

class InvQueue : public EventTarget {
 public:
  // Processing time per descriptor kind.
  struct Costs {
    Ps wait, context, iotlb_page, iotlb_domain, device_tlb;
  };
  // apply: makes a descriptor take effect, returns cache entries it killed.
  // drained: the time every write translated so far is visible in memory.
  // device_tlb: sends a device-TLB invalidation, returns when its completion is back.
  // `unit` names the IOMMU unit in traces; statistics count all units together.
  InvQueue(const std::string& unit, Costs costs, SparseMemory& mem, Dispatcher& d,
           StatsRegistry& stats, TraceRecorder& trace,
           std::function<unsigned(const InvDescriptor&, Ps)> apply, std::function<Ps()> drained,
           std::function<Ps(const InvDescriptor&, Ps)> device_tlb);

  void write_iqa(uint64_t v);
  void write_tail(uint64_t byte_offset, Ps at);
  uint64_t head() const { return head_ * 16; }
  uint64_t tail() const { return tail_ * 16; }
  uint64_t iqa() const { return iqa_; }
  void set_zero_cost(bool z) { zero_cost_ = z; }
  unsigned depth() const { return unsigned((tail_ + slots() - head_) % slots()); }
  // When the context or IOTLB descriptor in progress completes (0: none is).
  Ps busy_until() const { return busy_until_; }

  // Other users of the same queue (strict unmaps of other domains), so sync latency
  // under contention can be studied: every `interval` a page-selective invalidation
  // of a foreign domain and its wait arrive (every `domain_every`-th a domain one);
  // they take the engine's time in arrival order with software's descriptors.
  void set_background(Ps interval, unsigned domain_every);

  void on_event(Ps now, uint64_t arg) override;
  // This unit's own share of the totals.
  uint64_t unit_descriptors() const { return unit_descs_; }
  uint64_t unit_waits() const { return unit_waits_; }

 private:
  static constexpr uint64_t kBackgroundArrival = 1;
  static constexpr uint16_t kForeignDomain = 0xffff;
  struct Background {
    InvDescriptor desc;
    Ps arrived;
  };
  uint64_t slots() const { return 256ull << (iqa_ & 7); }
  uint64_t base() const { return iqa_ & ~0xfffull; }
  InvDescriptor read(uint64_t index) const;
  void start_next(Ps at);

  std::string unit_;
  Costs costs_;
  SparseMemory& mem_;
  Dispatcher& d_;
  TraceRecorder& trace_;
  std::function<unsigned(const InvDescriptor&, Ps)> apply_;
  std::function<Ps()> drained_;
  std::function<Ps(const InvDescriptor&, Ps)> device_tlb_;
  Ps devtlb_until_ = 0;  // the last device-TLB completion a wait must see
  Ps busy_until_ = 0;
  bool with_devtlb_ = false;  // the next wait covers a device-TLB invalidation
  std::deque<Background> background_;
  Ps bg_interval_ = 0;
  unsigned bg_domain_every_ = 0;
  uint64_t bg_arrivals_ = 0;
  bool serving_background_ = false;
  uint64_t iqa_ = 0;
  uint64_t head_ = 0, tail_ = 0;  // descriptor indices
  bool busy_ = false;
  Ps drain_until_ = 0;  // writes translated before the last invalidations land by then
  bool zero_cost_ = false;
  std::vector<Ps> submit_time_;  // per slot: when software handed it over
  uint64_t unit_descs_ = 0, unit_waits_ = 0;

  uint64_t& descriptors_;
  uint64_t& iotlb_descs_;
  uint64_t& context_descs_;
  uint64_t& waits_;
  uint64_t& background_descs_;
  uint64_t& devtlb_descs_;
  Histogram& devtlb_latency_;
  Histogram& sync_iotlb_;
  Histogram& sync_devtlb_;
  uint64_t& killed_;
  TimeSeries::Series& depth_ts_;
  Histogram& sync_latency_;
};

}  // namespace sim
