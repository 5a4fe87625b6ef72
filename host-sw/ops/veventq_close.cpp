// veventq_close: close(veventq_fd). The file's hold on the vEVENTQ goes, so the object
// can be destroyed (IOMMU_DESTROY is EBUSY while the file is open); reads after it are
// EBADF, as is a second close.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct VeventqClose final : HostOperation {
  std::string veventq;

  void parse(ConfigReader& r, OpNames& n) {
    veventq = r.text("veventq");
    n.need(r, "veventq", n.veventq, veventq, "vEVENTQ");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto q = h.veventqs().find(veventq);
    if (q == h.veventqs().end() || !q->second.fd_open) co_return Errno::Ebadf;
    q->second.fd_open = false;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry veventq_close_op = host_op<VeventqClose>("veventq_close");
}  // namespace sim
