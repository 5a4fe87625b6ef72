// ioas_allow_iovas (IOMMU_IOAS_ALLOW_IOVAS): the ranges automatic allocation may use
// (`[]` clears them).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasAllowIovas final : HostOperation {
  std::string ioas;
  std::vector<IovaRange> ranges;
  void parse(ConfigReader& r, OpNames& n) {
    ioas = read_ioas(r, n);
    ranges = read_iova_ranges(r, "ranges");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    co_return iopt->allow_iovas(ranges);
  }
};

}  // namespace
extern const HostOpEntry ioas_allow_iovas_op =
    host_op<IoasAllowIovas>("ioas_allow_iovas", iommufd_uapi::kIoasAllowIovas);
}  // namespace sim
