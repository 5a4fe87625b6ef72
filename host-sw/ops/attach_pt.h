#pragma once
// What `attach`, `replace` and `detach` share (iommufd's device.c): the target of an
// attach or replace is a pt_id, a HWPT or an IOAS. An IOAS means an automatic domain
// (iommufd_device_auto_get_domain): the IOAS's automatic HWPTs are tried oldest first
// (one the device cannot use, EINVAL, is skipped; another error ends the call), else
// a new one is allocated; it is destroyed when its last device or PASID leaves.
#include <string>

#include "host-sw/ops/op_registry.h"

namespace sim {

// A `pasid` key: 1..2^20-1 (PASID 0 is RID_PASID, the requests without one), or
// kNoPasid when there is none.
uint32_t read_pasid(ConfigReader& r);

// What an attach or replace is aimed at, read from `hwpt` (a HWPT or an IOAS) and
// `auto_hwpt` (the automatic HWPT's name: a new one takes it, a reused one must have it).
struct PtTarget {
  std::string pt, auto_name;
  void parse(ConfigReader& r, OpNames& n);
  // iommufd_get_object(ANY) then the type: ENOENT for no object, EINVAL for one that is
  // neither a HWPT nor an IOAS; `ioas` says which it is.
  Errno kind(Host& h, bool& ioas) const;
  // iommufd_device_change_pt: the target's kind, then the HWPT itself or the IOAS's
  // automatic domain; `replace` moves an attached device (or PASID), else attaches
  // one that is not (EBUSY). `out.detail` when the automatic HWPT is not `auto_name`.
  Task<Errno> change(Host& h, const std::string& device, uint32_t pasid, bool replace,
                     OpOutcome& out) const;
};

// iommufd_hw_pagetable_attach for a HWPT that exists, the device not attached there:
// the HWPT must suit the device (EOPNOTSUPP, EINVAL), the MSI window is reserved in
// its IOAS (ENOMEM, EADDRINUSE), then the driver attaches.
Task<Errno> attach_hwpt(Host& h, const std::string& device, uint32_t pasid,
                        const std::string& hwpt);
// Undoes it: the driver detaches, the reservation goes; the HWPT is then put.
Task<> detach_hwpt(Host& h, const std::string& device, uint32_t pasid);
// iommufd_device_do_replace onto a HWPT that exists: EINVAL when not attached or when
// the HWPT does not suit the device; the same HWPT is a no-op; then the old HWPT is put.
Task<Errno> replace_hwpt(Host& h, const std::string& device, uint32_t pasid,
                         const std::string& hwpt);
// iommufd_hw_pagetable_put: an automatic HWPT no device or PASID uses any more goes.
Task<> put_hwpt(Host& h, const std::string& hwpt);
// iommufd_device_auto_get_domain: `replace` false attaches (a new domain is attached
// before it is filled, the kernel's immediate attach), true replaces (filled first).
// `got` receives the HWPT the device ended on.
Task<Errno> auto_get_domain(Host& h, const std::string& ioas, const std::string& device,
                            uint32_t pasid, bool replace, const std::string& want,
                            std::string& got);

}  // namespace sim
