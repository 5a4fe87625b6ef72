#pragma once
// The rules an attach or replace onto an iopf-capable HWPT (one with a fault object)
// follows, shared by both:
// - iommufd_hwpt_compatible_device: an SR-IOV virtual function with PRI takes no such
//   HWPT (PRI is shared with its physical function, and a failure response could not
//   be forwarded without disturbing it): EINVAL, before the PASID rules.
// - the driver's iopf_for_domain_set (VT-d's intel_iommu_enable_iopf): IOPF is enabled
//   for the device, which needs PRI: ENODEV without it. The driver counts the device's
//   iopf-capable attachments (Host::iopf_users); the last one leaving disables it.
#include "host-sw/vmm/host.h"

namespace sim {

inline Errno iopf_compatible(const Host::Hwpt& hw, const HardwareInfo::Device* dev) {
  return !hw.fault.empty() && dev && dev->vf && dev->pri ? Errno::Einval : Errno::Ok;
}

inline Errno iopf_enable(const Host::Hwpt& hw, const HardwareInfo::Device* dev) {
  return !hw.fault.empty() && (!dev || !dev->pri) ? Errno::Enodev : Errno::Ok;
}

}  // namespace sim
