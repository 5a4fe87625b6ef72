// replace (IOMMU_DEVICE_ATTACH of an attached device, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
// or the PASID replace): an attached device, or PASID, moves to another HWPT in one
// step. EINVAL when it is not attached (iommufd_device_replace) or the new HWPT is one
// it cannot use (a tracking domain on a unit that cannot track); the same HWPT is a
// no-op. Moving to another IOAS reserves the device's regions there first (EADDRINUSE
// leaves the attachment as it was) and releases them in the old one after. The
// PASID-compatibility rules hold as for attach (pasid_compat.h): EINVAL, the
// reservation released.
#include "host-sw/ops/msi_window.h"
#include "host-sw/ops/op_registry.h"
#include "host-sw/ops/pasid_compat.h"

namespace sim {
namespace {

struct Replace final : HostOperation {
  std::string device, hwpt;
  uint32_t pasid = kNoPasid;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    if (r.has("pasid")) pasid = uint32_t(r.integer("pasid", 1, (1 << 20) - 1));
    hwpt = read_hwpt(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto to = h.hwpts().find(hwpt);
    if (to == h.hwpts().end()) co_return Errno::Enoent;
    auto at = h.attachments().find({device, pasid});
    if (at == h.attachments().end()) co_return Errno::Einval;  // nothing to replace
    if (at->second == hwpt) co_return Errno::Ok;
    if (to->second.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
    Host::Hwpt& from = h.hwpts()[at->second];
    const std::string owner = Host::attach_owner(device, pasid);
    const bool other_ioas = from.ioas != to->second.ioas;
    if (other_ioas) {
      if (h.fail_alloc()) co_return Errno::Enomem;  // the reserved range's node
      Errno e = h.ioases()[to->second.ioas]->iopt.reserve(kMsiFirst, kMsiLast, owner);
      if (e != Errno::Ok) co_return e;
    }
    const HardwareInfo::Device* dev = h.device_info(device);
    Errno e = pasid_compat(h, to->second, device, pasid);
    if (e == Errno::Ok)  // a nested HWPT puts the context into PASID mode
      e = h.driver().prepare_pasid_tables(dev ? dev->bdf : 0, pasid, to->second.nested());
    if (e != Errno::Ok) {
      if (other_ioas) h.ioases()[to->second.ioas]->iopt.unreserve(owner);
      co_return e;
    }
    co_await h.driver().replace(*from.domain, *to->second.domain, dev ? dev->bdf : 0, pasid);
    if (other_ioas) {
      h.ioases()[from.ioas]->iopt.unreserve(owner);
      if (auto v = h.containers().find(from.ioas); v != h.containers().end())
        v->second->device_detached();
    }
    at->second = hwpt;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry replace_op = host_op<Replace>("replace");
}  // namespace sim
