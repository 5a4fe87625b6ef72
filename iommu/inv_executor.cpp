// Invalidation descriptors applied to the context cache, the walk cache and the IOTLB.
#include "iommu/inv_executor.h"

namespace sim {

InvExecutor::InvExecutor(const IommuConfig& c, ContextCache& contexts, WalkCache& walk_cache,
                         Iotlb& iotlb, StatsRegistry& stats, WalkCache* s1_walk_cache)
    : s1_walk_cache_(s1_walk_cache),
      spare_combined_(c.negative.nested_s2_inv_spares_combined),
      encoding_(c.invalidation.encoding),
      honour_leaf_hint_(c.walk_cache.honour_leaf_hint),
      contexts_(contexts),
      walk_cache_(walk_cache),
      iotlb_(iotlb),
      unsupported_(
          stats.shared_counter("iommu.inv.unsupported", "count",
                               "page invalidations in an encoding the hardware lacks (done "
                               "as domain invalidations)")) {
  if (!c.nesting) return;
  nested_.reset(new NestedStats{
      stats.shared_counter("iommu.nested.inv_stage1", "count",
                           "stage-1 (PASID-based IOTLB) invalidation descriptors"),
      stats.shared_counter("iommu.nested.combined_killed_s1", "count",
                           "combined IOTLB entries killed by stage-1 invalidations"),
      stats.shared_counter("iommu.nested.combined_killed_s2", "count",
                           "combined IOTLB entries killed by stage-2 invalidations"),
      stats.shared_counter("iommu.nested.combined_spared_s2", "count",
                           "combined IOTLB entries a stage-2 invalidation spared (negative "
                           "control nested_s2_inv_spares_combined)")});
}

unsigned InvExecutor::combined_on(uint16_t did, Ps now) {
  if (!nested_) return 0;
  if (spare_combined_) {
    nested_->spared_s2 += iotlb_.invalidate_built_on(did, now, true);
    return 0;
  }
  const unsigned n = iotlb_.invalidate_built_on(did, now);
  nested_->killed_s2 += n;
  return n;
}

unsigned InvExecutor::apply_stage1(const InvDescriptor& d, Ps now) {
  if (!nested_) return 0;  // no combined entry exists to kill
  ++nested_->piotlb;
  const bool all = d.granularity == InvDescriptor::kGlobal;
  uint64_t base = 0, size = ~0ull;
  if (d.granularity == InvDescriptor::kPage) {
    if (d.am && encoding_ == InvEncoding::PageOnly) {
      ++unsupported_;  // done PASID-selective
    } else {
      size = d.am >= 52 ? ~0ull : 4096ull << d.am;
      base = d.addr & ~(size - 1);
    }
  }
  const bool whole = size == ~0ull;
  if (s1_walk_cache_ && (whole || !(d.ih && honour_leaf_hint_)))
    s1_walk_cache_->invalidate_pasid(d.did, d.pasid, all, base, size);
  const unsigned n = iotlb_.invalidate_stage1(d.did, d.pasid, all, base, size, now);
  nested_->killed_s1 += n;
  return n;
}

unsigned InvExecutor::apply(const InvDescriptor& d, Ps now) {
  if (d.type == InvDescriptor::kContext) {
    contexts_.invalidate_context(d);
    return 0;  // context entries are not IOTLB entries
  }
  if (d.type == InvDescriptor::kPasidCache) {
    contexts_.invalidate_pasid(d);
    return 0;
  }
  if (d.type == InvDescriptor::kPasidIotlb) return apply_stage1(d, now);
  if (d.type != InvDescriptor::kIotlb) return 0;
  if (d.granularity == InvDescriptor::kGlobal) {
    walk_cache_.invalidate_all();
    if (s1_walk_cache_) s1_walk_cache_->invalidate_all();
    return iotlb_.invalidate_all(now);
  }
  // As a stage-2 invalidation, first the combined entries built on the domain.
  const unsigned combined = combined_on(d.did, now);
  if (d.granularity == InvDescriptor::kDomain) {
    walk_cache_.invalidate_domain(d.did);
    return combined + iotlb_.invalidate_domain(d.did, now);
  }
  // A page invalidation the hardware cannot take (a range on power-of-two hardware, an
  // order on page-only hardware) is done as a domain one: safe, and counted.
  const bool range = d.granularity == InvDescriptor::kRange;
  if ((range && encoding_ != InvEncoding::ArbitraryRange) ||
      (d.am && encoding_ == InvEncoding::PageOnly)) {
    ++unsupported_;
    walk_cache_.invalidate_domain(d.did);
    return combined + iotlb_.invalidate_domain(d.did, now);
  }
  const uint64_t base = range ? d.addr : d.addr & ~((4096ull << d.am) - 1);
  const uint64_t size = range ? uint64_t(d.pages) << 12 : 4096ull << d.am;
  if (!(d.ih && honour_leaf_hint_)) walk_cache_.invalidate_range(d.did, base, size);
  return combined + iotlb_.invalidate_range(d.did, base, size, now);
}

}  // namespace sim
