// ioas_destroy (IOMMU_DESTROY of an IOAS): refused while a HWPT or an access holds it;
// its areas are unmapped, and a VFIO container over it goes with it.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasDestroy final : HostOperation {
  std::string ioas;
  void parse(ConfigReader& r, OpNames& n) { ioas = read_ioas(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    if (h.ioases()[ioas]->users) co_return Errno::Ebusy;  // a HWPT holds it
    if (iopt->accesses()) co_return Errno::Ebusy;         // so does an access
    uint64_t n;
    co_await iopt->unmap(h.driver(), 0, UINT64_MAX, n);  // implicit unmap-all
    h.ioases().erase(ioas);
    h.containers().erase(ioas);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry ioas_destroy_op = host_op<IoasDestroy>("ioas_destroy");
}  // namespace sim
