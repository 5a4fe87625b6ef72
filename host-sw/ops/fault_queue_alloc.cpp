// fault_queue_alloc (IOMMU_FAULT_QUEUE_ALLOC): a fault object with its ID and its fault
// fd (open until `fault_close`), which iopf-capable HWPTs name (`hwpt_alloc`'s `fault`).
// As iommufd_fault_alloc: any `flags` bit is EOPNOTSUPP (the uAPI defines none); the
// object's allocation is a failure point (ENOMEM).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct FaultQueueAlloc final : HostOperation {
  std::string id;
  uint32_t flags = 0;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.fault);
    flags = uint32_t(r.integer("flags", 0, 0, UINT32_MAX));
  }
  void prepare(Host& h) const override { h.enable_iopf_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (flags) co_return Errno::Eopnotsupp;
    if (h.faults().count(id)) co_return Errno::Eexist;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    h.faults()[id];
    h.objects().add(ObjectType::Fault, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry fault_queue_alloc_op =
    host_op<FaultQueueAlloc>("fault_queue_alloc", iommufd_uapi::kFaultQueueAlloc);
}  // namespace sim
