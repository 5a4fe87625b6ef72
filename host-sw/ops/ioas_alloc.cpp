// ioas_alloc (IOMMU_IOAS_ALLOC): a new, empty IO address space.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasAlloc final : HostOperation {
  std::string id;
  void parse(ConfigReader& r, OpNames& n) { id = n.new_object(r, n.ioas); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (h.ioases().count(id)) co_return Errno::Eexist;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    auto io = std::make_unique<Host::Ioas>(h.ledger());
    io->iopt.set_batch_runs(h.config().pfn_batch_runs);
    h.ioases()[id] = std::move(io);
    h.objects().add(ObjectType::Ioas, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry ioas_alloc_op = host_op<IoasAlloc>("ioas_alloc", iommufd_uapi::kIoasAlloc);
}  // namespace sim
