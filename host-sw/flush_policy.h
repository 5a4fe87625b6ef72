#pragma once
// Where the IOTLB learns that D bits were cleared: a policy turns what a harvest
// cleared (its gather) into invalidation descriptors. `gather` is Linux's; `none` is
// a negative control that loses pages. The flush-batching study adds more.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "iommu/inv_descriptor.h"

namespace sim {

// What one call cleared: a single span [start, end] (inclusive), as iotlb_gather.
struct Gather {
  uint64_t start = UINT64_MAX, end = 0;
  void add(uint64_t iova, uint64_t size) {
    start = iova < start ? iova : start;
    end = iova + size - 1 > end ? iova + size - 1 : end;
  }
  bool empty() const { return start > end; }
};

// VT-d's page-selective invalidation for a span: the smallest aligned power-of-two
// block of pages that contains it, or a domain invalidation above max_order.
InvDescriptor covering_invalidation(uint16_t did, uint64_t start, uint64_t end, unsigned max_order);

class FlushPolicy {
 public:
  virtual ~FlushPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual std::vector<InvDescriptor> descriptors(uint16_t did, const Gather& g,
                                                 unsigned max_order) const = 0;
};

// "gather" or "none"; nullptr for an unknown name.
std::unique_ptr<FlushPolicy> make_flush_policy(std::string_view name);

}  // namespace sim
