#pragma once
// What each invalidation descriptor does to the caches when it completes: context and
// PASID-cache descriptors drop context entries, IOTLB ones IOTLB and walk-cache
// entries (a page encoding the hardware lacks becomes a domain invalidation). The
// queue (inv_queue.h) decides when; this decides what. Under nesting an IOTLB
// descriptor is also the stage-2 invalidation of the domain it names (every combined
// entry built on it dies), and a PASID-based IOTLB one the stage-1 invalidation.
#include "iommu/context_cache.h"
#include "iommu/inv_descriptor.h"
#include "iommu/iommu_config.h"
#include "iommu/iotlb.h"
#include "iommu/walk_cache.h"
#include "models/report/stats.h"

#include <memory>

namespace sim {

class InvExecutor {
 public:
  InvExecutor(const IommuConfig& c, ContextCache& contexts, WalkCache& walk_cache, Iotlb& iotlb,
              StatsRegistry& stats, WalkCache* s1_walk_cache = nullptr);
  // Applies `d` at `now`; returns the IOTLB entries it killed.
  unsigned apply(const InvDescriptor& d, Ps now);

 private:
  unsigned apply_stage1(const InvDescriptor& d, Ps now);
  // A stage-2 invalidation's combined entries: those built on `did` (none without nesting).
  unsigned combined_on(uint16_t did, Ps now);
  // The `iommu.nested.*` invalidation statistics, on units with nesting.
  struct NestedStats {
    uint64_t& piotlb;
    uint64_t& killed_s1;
    uint64_t& killed_s2;
    uint64_t& spared_s2;
  };
  std::unique_ptr<NestedStats> nested_;
  WalkCache* s1_walk_cache_;
  bool spare_combined_;
  InvEncoding encoding_;
  bool honour_leaf_hint_;
  ContextCache& contexts_;
  WalkCache& walk_cache_;
  Iotlb& iotlb_;
  uint64_t& unsupported_;
};

}  // namespace sim
