// ioas_map (IOMMU_IOAS_MAP): maps VMM memory at an IOVA, or at one the kernel
// allocates; the checks in the kernel's order.
#include "host-sw/ops/map_args.h"

namespace sim {
namespace {

struct IoasMap final : HostOperation {
  MapArgs a;
  std::string user;
  uint64_t offset = 0;

  void parse(ConfigReader& c, OpNames& n) {
    a.parse_head(c, n);
    user = read_user(c, n);
    offset = c.size("offset", 0);
    a.parse_tail(c, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    std::optional<uint64_t> at;
    IoPagetable* iopt = nullptr;
    if (Errno e = a.check(h, out, at, iopt); e != Errno::Ok) co_return e;
    const VmmMapping* m = h.vmm().find(user);
    if (!m) co_return Errno::Efault;  // the VMM unmapped it: no address to give
    co_return co_await a.map(h, out, *iopt, at, m->va + offset, /*file=*/false);
  }
};

}  // namespace
extern const HostOpEntry ioas_map_op = host_op<IoasMap>("ioas_map", iommufd_uapi::kIoasMap);
}  // namespace sim
