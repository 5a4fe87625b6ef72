// access_create: an in-kernel access to an IOAS (mdev-like, iommufd_access_create then
// iommufd_access_attach); `ioas_destroy` is EBUSY while one exists. One that pins pages
// (`pin_pages`, default true: the selftest's MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
// raises the IOAS's IOVA alignment to 4 KiB: EADDRINUSE when an area of the IOAS is not
// page-aligned. One that only copies (`access_rw`) needs no alignment.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessCreate final : HostOperation {
  std::string id, ioas;
  bool pin_pages = true;
  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.access);
    ioas = read_ioas(r, n);
    pin_pages = r.boolean("pin_pages", true);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto io = h.ioases().find(ioas);
    if (io == h.ioases().end()) co_return Errno::Enoent;
    if (h.accesses().count(id)) co_return Errno::Eexist;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    auto acc = std::make_unique<IommufdAccess>(io->second->iopt, pin_pages);
    if (Errno e = acc->attach(); e != Errno::Ok) co_return e;  // a misaligned area
    h.accesses()[id] = {ioas, std::move(acc)};
    h.objects().add(ObjectType::Access, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry access_create_op = host_op<AccessCreate>("access_create");
}  // namespace sim
