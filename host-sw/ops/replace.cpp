// replace (IOMMU_DEVICE_ATTACH of an attached device, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
// or the PASID replace): an attached device, or PASID, moves to another HWPT in one
// step. EINVAL when it is not attached (iommufd_device_replace) or the new HWPT is one
// it cannot use (a tracking domain on a unit that cannot track); the same HWPT is a
// no-op. Moving to another IOAS reserves the device's regions there first (EADDRINUSE
// leaves the attachment as it was) and releases them in the old one after. `hwpt` may
// be an IOAS: an automatic domain of it (attach_pt.h; `auto_hwpt` names it), reused or
// allocated and filled before the move. An automatic HWPT left unused goes.
#include "host-sw/ops/attach_pt.h"

namespace sim {
namespace {

struct Replace final : HostOperation {
  std::string device;
  PtTarget target;
  uint32_t pasid = kNoPasid;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    pasid = read_pasid(r);
    target.parse(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    co_return co_await target.change(h, device, pasid, true, out);
  }
};

}  // namespace
extern const HostOpEntry replace_op = host_op<Replace>("replace");
}  // namespace sim
