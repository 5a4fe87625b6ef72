// veventq_alloc (IOMMU_VEVENTQ_ALLOC): a vIOMMU's queue of events of one `type` for the
// guest, at most `depth` waiting (host-sw/iommufd/veventq.h). In iommufd_veventq_alloc's
// order: `flags` or the type `default` EOPNOTSUPP; depth 0 EINVAL; the vIOMMU gone
// ENOENT; a queue of that type on the vIOMMU already EEXIST; then the object and its
// file (anon_inode_getfile) are allocated (ENOMEM: two failure points). The type is not
// checked against the vIOMMU's: a queue of a type no driver reports stays empty. Our
// vIOMMU's driver reports `s1_fault` (a stage-1 fault of a nested context, host_vevents.cpp);
// `trigger_vevents` reports `selftest` events, as the kernel's selftest driver.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

const NamedValues<VeventqType> kVeventqTypes = {{"default", VeventqType::Default},
                                                {"arm_smmuv3", VeventqType::ArmSmmuv3},
                                                {"tegra241_cmdqv", VeventqType::Tegra241Cmdqv},
                                                {"s1_fault", VeventqType::S1Fault},
                                                {"selftest", VeventqType::Selftest}};

struct VeventqAlloc final : HostOperation {
  std::string id, viommu;
  VeventqType type = VeventqType::S1Fault;
  uint32_t depth = 0, flags = 0;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.veventq);
    viommu = read_viommu(r, n);
    type = r.choice("type", kVeventqTypes);
    depth = uint32_t(r.integer("depth", 0, UINT32_MAX));
    flags = uint32_t(r.integer("flags", 0, 0, UINT32_MAX));
  }
  void prepare(Host& h) const override { h.enable_vevent_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (flags || type == VeventqType::Default) co_return Errno::Eopnotsupp;
    if (depth == 0) co_return Errno::Einval;
    if (!h.viommus().count(viommu)) co_return Errno::Enoent;
    for (const auto& [name, q] : h.veventqs())
      if (q.viommu == viommu && q.queue.type() == uint32_t(type)) co_return Errno::Eexist;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    if (h.fail_alloc()) co_return Errno::Enomem;  // its file (anon_inode_getfile)
    h.veventqs().emplace(id, VeventqObject{viommu, Veventq(uint32_t(type), depth)});
    h.objects().add(ObjectType::Veventq, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry veventq_alloc_op =
    host_op<VeventqAlloc>("veventq_alloc", iommufd_uapi::kVeventqAlloc);
}  // namespace sim
