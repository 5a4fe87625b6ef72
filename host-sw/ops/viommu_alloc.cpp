// viommu_alloc (IOMMU_VIOMMU_ALLOC): the guest's IOMMU instance on the physical unit
// behind `device`, over a nesting-parent HWPT (its stage 2, which it holds). As
// iommufd_viommu_alloc_ioctl: a unit without nesting is EOPNOTSUPP; `hwpt` not a paging
// HWPT (gone, or a nested one) is ENOENT; a paging HWPT not allocated `nest_parent` is
// EINVAL.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct ViommuAlloc final : HostOperation {
  std::string id, hwpt, device;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.viommu);
    hwpt = read_hwpt(r, n);
    device = n.device(r);
  }
  void prepare(Host& h) const override { h.enable_nesting_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (!h.nesting_capable(device)) co_return Errno::Eopnotsupp;
    const Host::Hwpt* p = h.find_paging(hwpt);
    if (!p) co_return Errno::Enoent;
    if (!p->nest_parent) co_return Errno::Einval;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    h.viommus()[id] = Viommu{hwpt, device, h.unit_of(device), {}};
    h.objects().add(ObjectType::Viommu, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry viommu_alloc_op =
    host_op<ViommuAlloc>("viommu_alloc", iommufd_uapi::kViommuAlloc);
}  // namespace sim
