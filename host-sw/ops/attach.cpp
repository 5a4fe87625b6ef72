// attach (IOMMU_DEVICE_ATTACH / a PASID attach): a device's requests, or one PASID's,
// translate through a HWPT; the device's reserved regions go into the IOAS (a nested
// HWPT's: its parent's). `hwpt` is the kernel's pt_id: a HWPT, or an IOAS, which gives
// an automatic domain (attach_pt.h; `auto_hwpt` names it); any other object is EINVAL.
// A nested HWPT (intel_nested_attach_dev): its parent must be usable on the device's
// unit (a tracking parent on a unit that cannot track is EINVAL), as must its stage 1
// (a 5-level one on a unit without it is EINVAL), and one allocated on a vIOMMU takes
// only devices behind that vIOMMU's unit (EINVAL).
#include "host-sw/ops/attach_pt.h"

namespace sim {
namespace {

struct Attach final : HostOperation {
  std::string device;
  PtTarget target;
  uint32_t pasid = kNoPasid;  // none: the device's requests without a PASID
  bool attaches_device(std::string_view d) const override {
    return d == device && pasid == kNoPasid;
  }

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    pasid = read_pasid(r);
    target.parse(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    co_return co_await target.change(h, device, pasid, false, out);
  }
};

}  // namespace
extern const HostOpEntry attach_op = host_op<Attach>("attach");
}  // namespace sim
