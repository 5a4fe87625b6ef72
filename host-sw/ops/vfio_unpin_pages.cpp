// vfio_unpin_pages (vfio_unpin_pages()): an emulated device gives pinned pages back.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioUnpinPages final : HostOperation {
  std::string ioas;
  std::optional<uint32_t> argsz;
  uint64_t iova = 0, pages = 0;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_container(c, n, argsz);
    iova = c.address("iova");
    pages = uint64_t(c.integer("pages", 0, INT32_MAX));
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    v->unpin_pages(iova, pages);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry vfio_unpin_pages_op = host_op<VfioUnpinPages>("vfio_unpin_pages");
}  // namespace sim
