// ioas_map (IOMMU_IOAS_MAP): maps VMM memory at an IOVA, or at one the kernel
// allocates; the checks in the kernel's order.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasMap final : HostOperation {
  std::string ioas, user, save_iova;
  IovaArg iova;
  bool iova_auto = false;  // no IOVA: the kernel allocates one
  uint64_t offset = 0, length = 0;
  bool r = true, w = true;
  std::optional<uint64_t> expect_iova;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_ioas(c, n);
    iova_auto = !c.has("iova");
    if (!iova_auto) iova = read_iova(c, n, "iova");
    user = read_user(c, n);
    offset = c.size("offset", 0);
    length = c.size("length");
    read_prot(c, r, w);
    if (c.has("expect_iova")) expect_iova = c.address("expect_iova");
    save_iova = read_save_iova(c, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    std::optional<uint64_t> at = iova_auto ? 0 : h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    // Overflow, then no permission, then the IOAS lookup.
    if (*at == UINT64_MAX || length == UINT64_MAX) co_return Errno::Eoverflow;
    if (!r && !w) co_return Errno::Einval;
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    const VmmMapping* m = h.vmm().find(user);
    if (!m) co_return Errno::Efault;  // the VMM unmapped it: no address to give
    uint64_t placed = 0;
    Errno e = co_await iopt->map(h.driver(), h.vmm(), iova_auto ? std::nullopt : at, m->va + offset,
                                 length, r, w, placed);
    if (e == Errno::Ok) {
      expect_value("iova", expect_iova, placed, out.detail);
      if (!save_iova.empty()) h.save_iova(save_iova, placed);
    }
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry ioas_map_op = host_op<IoasMap>("ioas_map");
}  // namespace sim
