// access_create: an in-kernel access to an IOAS (mdev-like, iommufd_access_create);
// `ioas_destroy` is EBUSY while one exists.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessCreate final : HostOperation {
  std::string id, ioas;
  void parse(ConfigReader& r, OpNames& n) {
    id = r.text("id");
    ioas = read_ioas(r, n);
    n.access.insert(id);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto io = h.ioases().find(ioas);
    if (io == h.ioases().end()) co_return Errno::Enoent;
    if (h.accesses().count(id)) co_return Errno::Eexist;
    h.accesses()[id] = {ioas, std::make_unique<IommufdAccess>(io->second->iopt)};
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry access_create_op = host_op<AccessCreate>("access_create");
}  // namespace sim
