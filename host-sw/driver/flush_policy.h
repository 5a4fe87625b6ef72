#pragma once
// Where the IOTLB learns that D bits were cleared: a policy turns what a harvest
// cleared into invalidation descriptors, in groups that each end with a wait. `gather`
// is Linux's; the others are what the flush-batching study compares; `none` is a
// negative control that loses pages.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iommu/inv_descriptor.h"
#include "models/base/units.h"

namespace sim {

// What one call cleared: the span [start, end] (inclusive) as iotlb_gather keeps it,
// and the cleared leaves themselves (adjacent ones merged) for finer policies.
struct Gather {
  uint64_t start = UINT64_MAX, end = 0;
  std::vector<Range> records;
  uint64_t leaves = 0;
  void add(uint64_t iova, uint64_t size) {
    ++leaves;
    start = iova < start ? iova : start;
    end = iova + size - 1 > end ? iova + size - 1 : end;
    if (!records.empty() && records.back().end() == iova)
      records.back().length += size;
    else
      records.push_back({iova, size});
  }
  bool empty() const { return start > end; }
};

// VT-d's page-selective invalidation for a span: the smallest aligned power-of-two
// block of pages that contains it, or a domain invalidation above max_order.
InvDescriptor covering_invalidation(uint16_t did, uint64_t start, uint64_t end, unsigned max_order);

// What the hardware's page invalidations can express (its capability registers).
struct InvCaps {
  unsigned max_order = 18;
  InvEncoding encoding = InvEncoding::Pow2Aligned;
  InvCaps(unsigned order = 18, InvEncoding e = InvEncoding::Pow2Aligned)  // NOLINT: implicit
      : max_order(order), encoding(e) {}
};

// The descriptors that invalidate bytes [start, end] in the hardware's encoding: the
// covering aligned block (pow2_aligned), the exact page range (arbitrary_range), or
// one per page (page_only); a domain invalidation beyond 2^max_order pages (page_only:
// beyond 64 pages).
std::vector<InvDescriptor> covering(uint16_t did, uint64_t start, uint64_t end,
                                    const InvCaps& caps);

struct FlushConfig {
  std::string name = "gather";  // a policy of flush_registry.h
  unsigned max_ranges = 8;      // ranges: at most this many, else a domain invalidation
  uint64_t merge_gap = 0;       // ranges: runs closer than this merge first
  bool wait = true;             // false: return before the wait completes (negative control)
  // per_pte: descriptors per wait (0: the hardware's batch); deferred: cleared leaves
  // queued before a flush is forced (0: 256, as Linux's per-CPU flush queue).
  unsigned batch = 0;
  Ps timeout = 10 * kMs;  // deferred: a queued leaf is flushed at the latest this late
  bool sticky = true;     // deferred: re-report pages until their flush has completed
  bool ats_inv = true;    // false: skip device-TLB invalidations (a negative control)
};

class FlushPolicy {
 public:
  virtual ~FlushPolicy() = default;
  // The name it was made under (flush_registry.h).
  std::string_view name() const { return config_.name; }
  // Groups of descriptors; the driver ends each group with a wait (and splits a group
  // longer than the hardware's batch). By default Linux's: the gathered span as the
  // covering invalidation, one wait.
  virtual std::vector<std::vector<InvDescriptor>> groups(uint16_t did, const Gather& g,
                                                         const InvCaps& caps) const {
    if (g.empty()) return {};
    return {covering(did, g.start, g.end, caps)};
  }
  // `window` flushes after each iova_bitmap window instead of once per call.
  virtual bool per_window() const { return false; }
  // `deferred` queues what a call cleared and the driver flushes the queue later as one
  // gathered span (groups() is not asked); `config()` holds its timeout, batch and
  // stickiness.
  virtual bool deferred() const { return false; }
  // A deferred policy that re-reports pages until their flush has completed.
  bool sticky() const { return deferred() && config_.sticky; }
  // Descriptors per wait; 0: the hardware's batch.
  virtual unsigned batch() const { return 0; }
  bool waits() const { return config_.wait; }
  const FlushConfig& config() const { return config_; }
  void configure(const FlushConfig& c) { config_ = c; }

 private:
  FlushConfig config_;
};

// The policy `c.name` names, configured (flush_registry.cpp); nullptr for an unknown name.
std::unique_ptr<FlushPolicy> make_flush_policy(const FlushConfig& c);
inline std::unique_ptr<FlushPolicy> make_flush_policy(std::string_view name) {
  return make_flush_policy(FlushConfig{std::string(name)});
}
}  // namespace sim
