// vfio_map_dma (VFIO_IOMMU_MAP_DMA): maps VMM memory into the container. Without
// `ioas` it is iommufd's compat layer: EINVAL for `argsz` below 32 or `extra_flags`,
// ENODEV without a compat IOAS, then the IOAS's map at that IOVA with its errnos.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

constexpr uint32_t kMapMinsz = 32;  // offsetofend(struct vfio_iommu_type1_dma_map, size)

struct VfioMapDma final : HostOperation {
  std::string ioas, user;  // ioas "": the compat layer
  std::optional<uint32_t> argsz;
  uint32_t extra_flags = 0;
  uint64_t iova = 0, offset = 0, length = 0;
  bool r = true, w = true;

  void parse(ConfigReader& c, OpNames& n) {
    if (c.has("ioas")) {
      ioas = read_container(c, n, argsz);
    } else {
      if (c.has("argsz")) argsz = uint32_t(c.integer("argsz", 0, UINT32_MAX));
      extra_flags = read_extra_flags(c);
    }
    iova = c.address("iova");
    user = read_user(c, n);
    offset = c.size("offset", 0);
    length = c.size("length");
    read_prot(c, r, w);
    if (ioas.empty() && !r && !w)
      c.fail("prot", "a compat map without READ or WRITE is not modelled");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (ioas.empty()) co_return co_await compat(h);
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    const VmmMapping* m = h.vmm().find(user);
    if (!m) co_return Errno::Efault;
    co_return co_await v->map_dma(h.driver(), h.vmm(), iova, m->va + offset, length, r, w);
  }
  Task<Errno> compat(Host& h) const {
    if (argsz.value_or(kMapMinsz) < kMapMinsz || extra_flags) co_return Errno::Einval;
    IoPagetable* iopt = compat_iopt(h);
    if (!iopt) co_return Errno::Enodev;
    const VmmMapping* m = h.vmm().find(user);
    if (!m) co_return Errno::Efault;
    uint64_t placed = 0;
    co_return co_await iopt->map(h.driver(), h.vmm(), iova, m->va + offset, length, r, w, placed);
  }
};

}  // namespace
extern const HostOpEntry vfio_map_dma_op = host_op<VfioMapDma>("vfio_map_dma");
}  // namespace sim
