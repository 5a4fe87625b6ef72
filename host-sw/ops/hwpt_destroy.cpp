// hwpt_destroy (IOMMU_DESTROY of a HWPT): refused while a device is attached; unmaps
// the domain (iopt_table_remove_domain), then the driver frees its page tables
// (Host::destroy_hwpt).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct HwptDestroy final : HostOperation {
  std::string hwpt;
  void parse(ConfigReader& r, OpNames& n) { hwpt = read_hwpt(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override { return h.destroy_hwpt(hwpt); }
};

}  // namespace
extern const HostOpEntry hwpt_destroy_op =
    host_op<HwptDestroy>("hwpt_destroy", iommufd_uapi::kDestroy);
}  // namespace sim
