// ioas_destroy (IOMMU_DESTROY of an IOAS): refused while a HWPT or an access holds it;
// its areas are unmapped, and a VFIO container over it goes with it (Host::destroy_ioas).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasDestroy final : HostOperation {
  std::string ioas;
  void parse(ConfigReader& r, OpNames& n) { ioas = read_ioas(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override { return h.destroy_ioas(ioas); }
};

}  // namespace
extern const HostOpEntry ioas_destroy_op =
    host_op<IoasDestroy>("ioas_destroy", iommufd_uapi::kDestroy);
}  // namespace sim
