// vfio_dma_rw (vfio_dma_rw()): an emulated device reads or writes guest memory through
// the container.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioDmaRw final : HostOperation {
  std::string ioas;
  std::optional<uint32_t> argsz;
  uint64_t iova = 0, length = 0;
  bool write = true;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_container(c, n, argsz);
    iova = c.address("iova");
    length = c.size("length");
    write = c.boolean("write", true);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    co_return v->dma_rw(iova, length, write);
  }
};

}  // namespace
extern const HostOpEntry vfio_dma_rw_op = host_op<VfioDmaRw>("vfio_dma_rw");
}  // namespace sim
