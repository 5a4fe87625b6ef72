// Domain replace (iommu_group_replace_domain / the PASID replace): the device's entry
// is rewritten to point at the new domain in one write, so its requests go from the
// old translation to the new one with no blocked or untranslated moment between; then
// the entry's cache and the old domain's IOTLB entries (and the device's TLB) go.
#include <algorithm>

#include "host-sw/driver/iommu_driver.h"
#include "iommu/context_entry.h"

namespace sim {

Task<> IommuDriver::replace(Domain& from, Domain& to, uint16_t bdf, uint32_t pasid) {
  DeviceAttach& a = attach_[bdf];
  std::vector<InvDescriptor> descs;
  // A nested domain is a PASID entry: the context goes into PASID mode for it.
  if (to.parent || a.pasid_dir) ensure_pasid_tables(a, bdf, pasid, false);
  descs.push_back(a.pasid_dir && !a.context_pasid ? InvDescriptor::context_device(from.did, bdf)
                                                  : entry_invalidation(from.did, bdf, pasid));
  (pasid == kNoPasid ? a.rid : a.pasids[pasid]) = &to;
  write_context(bdf);
  // A nested domain's device is its parent's too (its flushes reach this unit).
  auto drop = [bdf](Domain& d) {
    d.devices.erase(std::find(d.devices.begin(), d.devices.end(), bdf));
  };
  drop(from);
  if (from.parent) drop(*from.parent);
  to.devices.push_back(bdf);
  if (to.parent) to.parent->devices.push_back(bdf);
  co_await cpu_.charge(cpu_.cost().pte_write * (to.parent ? 4 : 2));
  // The old domain's entries: a nested one's are stage-1 entries tagged with the PASID.
  if (from.parent)
    descs.push_back(InvDescriptor::piotlb_pasid(from.did, pasid == kNoPasid ? kRidPasid : pasid));
  else
    descs.push_back(InvDescriptor::iotlb_domain(from.did));
  if (ats(bdf)) descs.push_back(InvDescriptor::device_tlb(bdf, 0, 52));
  co_await submit_unit(unit_of(bdf), descs, true, 0);
}

}  // namespace sim
