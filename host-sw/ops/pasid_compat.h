#pragma once
// The rules a PASID attach (and the RID attach beside it) follows in iommufd and the
// IOMMU core, shared by attach and replace:
// - iommufd_hwpt_pasid_compat: a PASID takes only a HWPT allocated PASID-compatible
//   (IOMMU_HWPT_ALLOC_PASID), and only while the device's requests without a PASID are
//   not on a HWPT that is not; those requests take a HWPT that is not PASID-compatible
//   only while no PASID is attached. Each is EINVAL.
// - iommu_attach_device_pasid: a PASID at or beyond the device's max_pasids (2^width
//   of its PASID capability; none without one) is EINVAL.
#include "host-sw/vmm/host.h"

namespace sim {

inline Errno pasid_compat(Host& h, const Host::Hwpt& hwpt, const std::string& device,
                          uint32_t pasid) {
  if (pasid == kNoPasid) {
    if (hwpt.pasid_compat) return Errno::Ok;
    auto it = h.attachments().lower_bound({device, 0});
    const bool pasids =
        it != h.attachments().end() && it->first.first == device && it->first.second != kNoPasid;
    return pasids ? Errno::Einval : Errno::Ok;
  }
  if (!hwpt.pasid_compat) return Errno::Einval;
  auto rid = h.attachments().find({device, kNoPasid});
  if (rid != h.attachments().end() && !h.hwpts().at(rid->second).pasid_compat) return Errno::Einval;
  return Errno::Ok;
}

inline Errno pasid_in_width(const HardwareInfo::Device* dev, uint32_t pasid) {
  if (pasid == kNoPasid || !dev) return Errno::Ok;
  return pasid >> dev->pasid_width ? Errno::Einval : Errno::Ok;
}

}  // namespace sim
