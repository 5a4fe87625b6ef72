// detach: undoes an attach (the device's or one PASID's), releasing its reserved
// regions in the IOAS. In iommufd a detach cannot fail: detaching what is not attached
// does nothing and returns 0 (the selftest TEST_F(iommufd_device_pasid, pasid_attach)
// detaches PASID 100, never attached, and expects success).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct Detach final : HostOperation {
  std::string device;
  uint32_t pasid = kNoPasid;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    if (r.has("pasid")) pasid = uint32_t(r.integer("pasid", 1, (1 << 20) - 1));
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.attachments().find({device, pasid});
    if (it == h.attachments().end()) co_return Errno::Ok;  // nothing to undo
    const HardwareInfo::Device* dev = h.device_info(device);
    const Host::Hwpt& hw = h.hwpts()[it->second];
    co_await h.driver().detach(*hw.domain, dev ? dev->bdf : 0, pasid);
    h.ioases()[hw.ioas]->iopt.unreserve(Host::attach_owner(device, pasid));
    h.attachments().erase(it);
    if (auto v = h.containers().find(hw.ioas); v != h.containers().end())
      v->second->device_detached();
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry detach_op = host_op<Detach>("detach");
}  // namespace sim
