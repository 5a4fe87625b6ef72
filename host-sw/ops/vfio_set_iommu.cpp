// vfio_set_iommu (VFIO_SET_IOMMU). With `ioas`: makes that IOAS a VFIO type1 driver
// container, type1v2 or v1; v1 is emulated as iommufd's compat layer does: no large
// pages, so unmap can cut. Without `ioas`: iommufd's compat layer on the compat IOAS
// (EINVAL for a type other than type1 / type1v2, ENODEV without a compat IOAS; type1
// turns its large pages off).
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioSetIommu final : HostOperation {
  std::string ioas;  // "" for the compat layer
  bool v2 = true;
  uint32_t type = vfio_compat::kType1v2;

  void parse(ConfigReader& r, OpNames& n) {
    if (!r.has("ioas")) {
      type = r.choice("type", uint32_t(vfio_compat::kType1v2), vfio_extensions());
      return;
    }
    ioas = read_ioas(r, n);
    v2 = r.choice("type", "type1v2", {"type1v2", "type1"}) == "type1v2";
    if (!n.vfio.insert(ioas).second)
      r.fail("ioas", "IOAS '" + ioas + "' is a VFIO container already");
  }
  // Only runs with a container have the VFIO statistics.
  void prepare(Host& h) const override {
    if (!ioas.empty()) h.enable_vfio_stats();
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (ioas.empty()) co_return vfio_compat::set_iommu(type, compat_iopt(h));
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
