// device_resume: a stopped device goes on issuing requests.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct DeviceResume final : HostOperation {
  std::string device;
  void parse(ConfigReader& r, OpNames& n) { device = n.device(r); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    co_return co_await h.device_control(device, false);
  }
};

}  // namespace
extern const HostOpEntry device_resume_op = host_op<DeviceResume>("device_resume");
}  // namespace sim
