// fault_close: close(fault_fd). The fd's hold on the fault object goes, so the object
// can be destroyed (IOMMU_DESTROY is EBUSY while the fd is open); reads and writes
// after it are EBADF, as is a second close.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct FaultClose final : HostOperation {
  std::string fault;

  void parse(ConfigReader& r, OpNames& n) {
    fault = r.text("fault");
    n.need(r, "fault", n.fault, fault, "fault object");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto q = h.faults().find(fault);
    if (q == h.faults().end() || !q->second.fd_open) co_return Errno::Ebadf;
    q->second.fd_open = false;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry fault_close_op = host_op<FaultClose>("fault_close");
}  // namespace sim
