// vfio_map_dma (VFIO_IOMMU_MAP_DMA): maps VMM memory into the container.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioMapDma final : HostOperation {
  std::string ioas, user;
  std::optional<uint32_t> argsz;
  uint64_t iova = 0, offset = 0, length = 0;
  bool r = true, w = true;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_container(c, n, argsz);
    iova = c.address("iova");
    user = read_user(c, n);
    offset = c.size("offset", 0);
    length = c.size("length");
    read_prot(c, r, w);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    const VmmMapping* m = h.vmm().find(user);
    if (!m) co_return Errno::Efault;
    co_return co_await v->map_dma(h.driver(), h.vmm(), iova, m->va + offset, length, r, w);
  }
};

}  // namespace
extern const HostOpEntry vfio_map_dma_op = host_op<VfioMapDma>("vfio_map_dma");
}  // namespace sim
