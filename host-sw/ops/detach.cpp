// detach: undoes an attach (the device's or one PASID's), releasing its reserved
// regions in the IOAS; an automatic HWPT no device uses any more is destroyed. In
// iommufd a detach cannot fail: detaching what is not attached does nothing and
// returns 0 (the selftest TEST_F(iommufd_device_pasid, pasid_attach) detaches PASID
// 100, never attached, and expects success).
#include "host-sw/ops/attach_pt.h"

namespace sim {
namespace {

struct Detach final : HostOperation {
  std::string device;
  uint32_t pasid = kNoPasid;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    pasid = read_pasid(r);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    co_await detach_hwpt(h, device, pasid);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry detach_op = host_op<Detach>("detach");
}  // namespace sim
