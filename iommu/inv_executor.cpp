// Invalidation descriptors applied to the context cache, the walk cache and the IOTLB.
#include "iommu/inv_executor.h"

namespace sim {

InvExecutor::InvExecutor(const IommuConfig& c, ContextCache& contexts, WalkCache& walk_cache,
                         Iotlb& iotlb, StatsRegistry& stats)
    : encoding_(c.invalidation.encoding),
      honour_leaf_hint_(c.walk_cache.honour_leaf_hint),
      contexts_(contexts),
      walk_cache_(walk_cache),
      iotlb_(iotlb),
      unsupported_(
          stats.shared_counter("iommu.inv.unsupported", "count",
                               "page invalidations in an encoding the hardware lacks (done "
                               "as domain invalidations)")) {}

unsigned InvExecutor::apply(const InvDescriptor& d, Ps now) {
  if (d.type == InvDescriptor::kContext) {
    contexts_.invalidate_context(d);
    return 0;  // context entries are not IOTLB entries
  }
  if (d.type == InvDescriptor::kPasidCache) {
    contexts_.invalidate_pasid(d);
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
  if ((range && encoding_ != InvEncoding::ArbitraryRange) ||
      (d.am && encoding_ == InvEncoding::PageOnly)) {
    ++unsupported_;
    walk_cache_.invalidate_domain(d.did);
    return iotlb_.invalidate_domain(d.did, now);
  }
  const uint64_t base = range ? d.addr : d.addr & ~((4096ull << d.am) - 1);
  const uint64_t size = range ? uint64_t(d.pages) << 12 : 4096ull << d.am;
  if (!(d.ih && honour_leaf_hint_)) walk_cache_.invalidate_range(d.did, base, size);
  return iotlb_.invalidate_range(d.did, base, size, now);
}

}  // namespace sim
