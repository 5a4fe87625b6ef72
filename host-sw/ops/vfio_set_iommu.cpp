// vfio_set_iommu (VFIO_SET_IOMMU): makes an IOAS a VFIO type1 container, type1v2 or
// v1; v1 is emulated as iommufd's compat layer does: no large pages, so unmap can cut.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct VfioSetIommu final : HostOperation {
  std::string ioas;
  bool v2 = true;

  void parse(ConfigReader& r, OpNames& n) {
    ioas = read_ioas(r, n);
    v2 = r.choice("type", "type1v2", {"type1v2", "type1"}) == "type1v2";
    if (!n.vfio.insert(ioas).second)
      r.fail("ioas", "IOAS '" + ioas + "' is a VFIO container already");
  }
  // Only runs with a container have the VFIO statistics.
  void prepare(Host& h) const override { h.enable_vfio_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    if (h.containers().count(ioas)) co_return Errno::Ebusy;
    if (!v2)
      if (Errno e = iopt->set_huge_pages(0); e != Errno::Ok) co_return e;
    h.containers()[ioas] = std::make_unique<VfioType1>(*iopt, v2);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry vfio_set_iommu_op = host_op<VfioSetIommu>("vfio_set_iommu");
}  // namespace sim
