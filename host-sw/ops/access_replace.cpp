// access_replace (IOMMU_TEST_OP_ACCESS_REPLACE_IOAS over iommufd_access_replace): an
// in-kernel access moves to another IOAS. ENOENT for an access or IOAS that does not
// exist (or an object of another type); the same IOAS is a no-op; joining the new
// IOAS allocates its access-list slot (ENOMEM) and, for an access that pins, raises
// its alignment (EADDRINUSE over a misaligned area, and the access stays where it
// was). Then the driver's unmap callback drops every pin the access held and the old
// IOAS recomputes its alignment without it (`ioas_destroy` of it is no longer EBUSY).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessReplace final : HostOperation {
  std::string access, ioas;
  void parse(ConfigReader& r, OpNames& n) {
    access = read_access(r, n);
    ioas = read_ioas(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.accesses().find(access);
    if (it == h.accesses().end()) co_return Errno::Enoent;
    auto io = h.ioases().find(ioas);
    if (io == h.ioases().end()) co_return Errno::Enoent;
    if (it->second.ioas == ioas) co_return Errno::Ok;
    if (h.fail_alloc()) co_return Errno::Enomem;  // xa_alloc in the new IOAS's access list
    if (Errno e = it->second.access->replace(io->second->iopt); e != Errno::Ok) co_return e;
    it->second.ioas = ioas;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry access_replace_op = host_op<AccessReplace>("access_replace");
}  // namespace sim
