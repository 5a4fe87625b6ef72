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
#include "models/units.h"

namespace sim {

// What one call cleared: the span [start, end] (inclusive) as iotlb_gather keeps it,
// and the cleared leaves themselves (adjacent ones merged) for finer policies.
struct Gather {
  uint64_t start = UINT64_MAX, end = 0;
  std::vector<Range> records;
  void add(uint64_t iova, uint64_t size) {
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

struct FlushConfig {
  std::string name = "gather";  // gather per_pte runs ranges window domain none
  unsigned max_ranges = 8;      // ranges: at most this many, else a domain invalidation
  uint64_t merge_gap = 0;       // ranges: runs closer than this merge first
  bool wait = true;             // false: return before the wait completes (negative control)
};

class FlushPolicy {
 public:
  virtual ~FlushPolicy() = default;
  virtual std::string_view name() const = 0;
  // Groups of descriptors; the driver ends each group with a wait (and splits a group
  // longer than the hardware's batch).
  virtual std::vector<std::vector<InvDescriptor>> groups(uint16_t did, const Gather& g,
                                                         unsigned max_order) const = 0;
  // `window` flushes after each iova_bitmap window instead of once per call.
  virtual bool per_window() const { return false; }
  bool waits() const { return wait_; }
  void set_waits(bool w) { wait_ = w; }

 private:
  bool wait_ = true;
};

// nullptr for an unknown name.
std::unique_ptr<FlushPolicy> make_flush_policy(const FlushConfig& c);
inline std::unique_ptr<FlushPolicy> make_flush_policy(std::string_view name) {
  return make_flush_policy(FlushConfig{std::string(name)});
}
#define SIM_FLUSH_POLICIES \
  "gather", "per_pte", "runs", "ranges", "window", "domain", "none", "per_pte_off_by_one"

}  // namespace sim
