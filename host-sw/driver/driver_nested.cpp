// The IOMMU driver's side of nested translation (after VT-d's nested.c): a nested
// domain is the guest's stage-1 table over a nesting parent's stage 2, programmed as a
// nested PASID entry; the guest's invalidation requests become stage-1 (PASID-based
// IOTLB) descriptors. Stage-2 changes (the parent's unmaps, harvests, tracking) stay the
// parent's IOTLB invalidations, which the hardware applies to every combined entry
// built on the parent.
#include <stdexcept>

#include "host-sw/driver/iommu_driver.h"
#include "iommu/context_entry.h"

namespace sim {

Domain* IommuDriver::domain_alloc_nested(Domain& parent, const NestedS1& s1) {
  auto d = std::make_unique<Domain>();
  d->did = next_did_++;  // tags its stage-1 entries
  d->parent = &parent;
  d->s1 = s1;
  domains_.push_back(std::move(d));
  return domains_.back().get();
}

Errno IommuDriver::nested_attach_check(const Domain& d, unsigned unit) const {
  const HardwareInfo::Unit& u = units_.at(unit < units_.size() ? unit : 0).hw;
  if (d.s1.levels == 5 && !u.fs_5level) return Errno::Einval;
  if (!u.nesting) return Errno::Einval;
  return Errno::Ok;
}

std::pair<uint64_t, uint64_t> IommuDriver::nested_entry(const Domain& d, uint8_t aw) const {
  PasidEntry p;
  p.present = p.nested = true;
  p.root = d.parent->root;  // stage 2: the parent's table, levels and tracking
  p.aw = aw;
  p.ade = d.parent->dirty_tracking;
  p.did = d.did;
  return p.encode();
}

std::pair<uint64_t, uint64_t> IommuDriver::nesting_half(const Domain& d) const {
  PasidNesting n;
  n.s1_root = d.s1.root;
  n.s1_format = Stage1Format::kVtdFs;
  n.s1_levels = d.s1.levels;
  n.s2_did = d.parent->did;
  return n.encode();
}

std::vector<std::pair<uint16_t, uint32_t>> IommuDriver::attachments_of(const Domain& d) const {
  std::vector<std::pair<uint16_t, uint32_t>> out;
  for (const auto& [bdf, a] : attach_) {
    if (a.rid == &d) out.push_back({bdf, kRidPasid});
    for (const auto& [pasid, pd] : a.pasids)
      if (pd == &d) out.push_back({bdf, pasid});
  }
  return out;
}

std::vector<InvDescriptor> IommuDriver::s1_invalidation(const Domain& d, uint64_t addr,
                                                        uint64_t npages, bool leaf) const {
  std::vector<InvDescriptor> descs;
  // One aligned power-of-two block covering the range, or the whole PASID beyond the
  // largest the units take (as VT-d's cache_tag_flush_range).
  const bool all = npages == S1Invalidation::kAll || npages == 0 || npages > (1ull << 52);
  InvDescriptor block =
      all ? InvDescriptor::iotlb_domain(d.did)
          : covering_invalidation(d.did, addr, addr + (npages << 12) - 1, caps_.max_order);
  for (const auto& [bdf, pasid] : attachments_of(d)) {
    if (block.granularity == InvDescriptor::kDomain)
      descs.push_back(InvDescriptor::piotlb_pasid(d.did, pasid));
    else
      descs.push_back(InvDescriptor::piotlb_page(d.did, pasid, block.addr, block.am, leaf));
    if (ats(bdf))
      descs.push_back(block.granularity == InvDescriptor::kDomain
                          ? InvDescriptor::device_tlb(bdf, 0, 52)
                          : InvDescriptor::device_tlb(bdf, block.addr, block.am));
  }
  return descs;
}

Task<Errno> IommuDriver::cache_invalidate_user(Domain& d, const std::vector<S1Invalidation>& reqs,
                                               uint32_t& done) {
  done = 0;
  for (const S1Invalidation& q : reqs) {
    if (int why = q.refusal())
      co_return why == S1Invalidation::kRefuseFlags ? Errno::Eopnotsupp : Errno::Einval;
    std::vector<InvDescriptor> descs =
        s1_invalidation(d, q.addr, q.npages, q.flags & S1Invalidation::kLeaf);
    // Each request is flushed and waited for before the next (a synchronous flush).
    const Ps t0 = cpu_.now();
    if (!descs.empty()) co_await submit(d, descs);
    ++nested_.requests;
    nested_.descriptors += descs.size();
    nested_.time += cpu_.now() - t0;
    ++done;
  }
  co_return Errno::Ok;
}

}  // namespace sim
