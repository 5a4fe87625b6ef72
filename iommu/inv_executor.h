#pragma once
// What each invalidation descriptor does to the caches when it completes: context and
// PASID-cache descriptors drop context entries, IOTLB ones IOTLB and walk-cache
// entries (a page encoding the hardware lacks becomes a domain invalidation). The
// queue (inv_queue.h) decides when; this decides what.
#include "iommu/context_cache.h"
#include "iommu/inv_descriptor.h"
#include "iommu/iommu_config.h"
#include "iommu/iotlb.h"
#include "iommu/walk_cache.h"
#include "models/report/stats.h"

namespace sim {

class InvExecutor {
 public:
  InvExecutor(const IommuConfig& c, ContextCache& contexts, WalkCache& walk_cache, Iotlb& iotlb,
              StatsRegistry& stats);
  // Applies `d` at `now`; returns the IOTLB entries it killed.
  unsigned apply(const InvDescriptor& d, Ps now);

 private:
  InvEncoding encoding_;
  bool honour_leaf_hint_;
  ContextCache& contexts_;
  WalkCache& walk_cache_;
  Iotlb& iotlb_;
  uint64_t& unsupported_;
};

}  // namespace sim
