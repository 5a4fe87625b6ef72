// vfio_pin_pages (vfio_pin_pages() of an emulated, mdev, device): pins guest pages
// through the container.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioPinPages final : HostOperation {
  std::string ioas;
  std::optional<uint32_t> argsz;
  uint64_t iova = 0, pages = 0;
  bool r = true, w = true;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_container(c, n, argsz);
    iova = c.address("iova");
    pages = uint64_t(c.integer("pages", 0, INT32_MAX));
    read_prot(c, r, w);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    co_return v->pin_pages(iova, pages, r, w);
  }
};

}  // namespace
extern const HostOpEntry vfio_pin_pages_op = host_op<VfioPinPages>("vfio_pin_pages");
}  // namespace sim
