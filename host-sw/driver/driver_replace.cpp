// Domain replace (iommu_group_replace_domain / the PASID replace): the device's entry
// is rewritten to point at the new domain in one write, so its requests go from the
// old translation to the new one with no blocked or untranslated moment between; then
// the entry's cache and the old domain's IOTLB entries (and the device's TLB) go.
#include <algorithm>

#include "host-sw/driver/iommu_driver.h"

namespace sim {

Task<> IommuDriver::replace(Domain& from, Domain& to, uint16_t bdf, uint32_t pasid) {
  DeviceAttach& a = attach_[bdf];
  std::vector<InvDescriptor> descs;
  descs.push_back(entry_invalidation(from.did, bdf, pasid));
  (pasid == kNoPasid ? a.rid : a.pasids[pasid]) = &to;
  write_context(bdf);
  from.devices.erase(std::find(from.devices.begin(), from.devices.end(), bdf));
  to.devices.push_back(bdf);
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
  descs.push_back(InvDescriptor::iotlb_domain(from.did));
  if (ats(bdf)) descs.push_back(InvDescriptor::device_tlb(bdf, 0, 52));
  co_await submit_unit(unit_of(bdf), descs, true, 0);
}

}  // namespace sim
