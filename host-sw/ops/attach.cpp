// attach (IOMMU_DEVICE_ATTACH / a PASID attach): a device's requests, or one PASID's,
// translate through a HWPT; the device's reserved regions go into the IOAS (a nested
// HWPT's: its parent's). A nested HWPT (intel_nested_attach_dev): its parent must be
// usable on the device's unit (a tracking parent on a unit that cannot track is
// EINVAL), as must its stage 1 (a 5-level one on a unit without it is EINVAL), and one
// allocated on a vIOMMU takes only devices behind that vIOMMU's unit (EINVAL).
// After the reservation, in iommufd's order: the PASID-compatibility rules and the
// device's PASID width (pasid_compat.h, EINVAL), then the PASID directory and tables
// the entry needs (a failure point each, ENOMEM); each failure releases the window.
#include "host-sw/ops/msi_window.h"
#include "host-sw/ops/op_registry.h"
#include "host-sw/ops/pasid_compat.h"

namespace sim {
namespace {

struct Attach final : HostOperation {
  std::string device, hwpt;
  uint32_t pasid = kNoPasid;  // none: the device's requests without a PASID
  bool attaches_device(std::string_view d) const override {
    return d == device && pasid == kNoPasid;
  }

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    // PASID 0 is RID_PASID (requests without one); PASIDs have 20 bits.
    if (r.has("pasid")) pasid = uint32_t(r.integer("pasid", 1, (1 << 20) - 1));
    hwpt = read_hwpt(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto hw = h.hwpts().find(hwpt);
    if (hw == h.hwpts().end()) co_return Errno::Enoent;
    if (h.attachments().count({device, pasid})) co_return Errno::Ebusy;
    const HardwareInfo::Device* dev = h.device_info(device);
    // PASID-tagged device-TLB invalidation is not modelled.
    if (pasid != kNoPasid && dev && dev->ats) co_return Errno::Eopnotsupp;
    // A tracking domain on a unit that cannot track (the kernel's drivers refuse it).
    if (hw->second.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
    if (hw->second.nested()) {
      const Host::Hwpt& parent = h.hwpts().at(hw->second.parent);
      if (parent.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
      if (!hw->second.viommu.empty() && h.viommus().at(hw->second.viommu).unit != h.unit_of(device))
        co_return Errno::Einval;
      if (Errno e = h.driver().nested_attach_check(*hw->second.domain, h.unit_of(device));
          e != Errno::Ok)
        co_return e;
    }
    if (h.fail_alloc()) co_return Errno::Enomem;  // the reserved range's node
    // On x86 the MSI window, an IOMMU_RESV_MSI region owned by the device; EADDRINUSE
    // over an area or an allowed range, and the attach fails.
    IoPagetable& iopt = h.ioases()[hw->second.ioas]->iopt;
    const std::string owner = Host::attach_owner(device, pasid);
    Errno e = iopt.reserve(kMsiFirst, kMsiLast, owner);
    if (e != Errno::Ok) co_return e;
    if (e = pasid_compat(h, hw->second, device, pasid); e == Errno::Ok)
      e = pasid_in_width(dev, pasid);
    if (e == Errno::Ok)
      e = h.driver().prepare_pasid_tables(dev ? dev->bdf : 0, pasid, hw->second.nested());
    if (e != Errno::Ok) {
      iopt.unreserve(owner);
      co_return e;
    }
    co_await h.driver().attach(*hw->second.domain, dev ? dev->bdf : 0, pasid);
    h.attachments()[{device, pasid}] = hwpt;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry attach_op = host_op<Attach>("attach");
}  // namespace sim
