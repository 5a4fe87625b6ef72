// device_quiesce: the VMM stops a device (its control register) and polls until it
// has drained its requests in flight.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct DeviceQuiesce final : HostOperation {
  std::string device;
  void parse(ConfigReader& r, OpNames& n) { device = n.device(r); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    co_return co_await h.device_control(device, true);
  }
  bool stops_device(std::string_view d) const override { return d == device; }
};

}  // namespace
extern const HostOpEntry device_quiesce_op = host_op<DeviceQuiesce>("device_quiesce");
}  // namespace sim
