// hw_queue_alloc (IOMMU_HW_QUEUE_ALLOC): a queue in guest memory (a command queue at
// nesting-parent IOVA `iova`, `length` bytes) that the vIOMMU's hardware reads by
// physical address, so iommufd pins it through an internal access on the parent's
// IOAS (which then refuses to unmap it: EBUSY) and the pages must be physically
// contiguous. In iommufd_hw_queue_alloc_ioctl's order: `flags` or the type `default`
// EOPNOTSUPP; length 0 EINVAL; iova + length - 1 past 2^64 EOVERFLOW; the vIOMMU gone
// ENOENT; a type the driver does not serve EOPNOTSUPP (ours serves the selftest
// driver's, `selftest`); the object; then iommufd_hw_queue_alloc_phys: ERANGE when the
// page count overflows, the page array
// and the access (ENOMEM), joining the IOAS (EADDRINUSE over a misaligned area), the
// pin of the page-aligned span (ENOENT where nothing is mapped), EFAULT when the pages
// are not contiguous; last the selftest driver's rules (mock_hw_queue_init_phys):
// `index` of 2 or more EINVAL, an index in use EEXIST, index i > 0 without queue i - 1
// EIO (queue i - 1 is then EBUSY to destroy while queue i exists).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

const NamedValues<HwQueueType> kHwQueueTypes = {{"default", HwQueueType::Default},
                                                {"tegra241_cmdqv", HwQueueType::Tegra241Cmdqv},
                                                {"selftest", HwQueueType::Selftest}};

struct HwQueueAlloc final : HostOperation {
  std::string id, viommu;
  HwQueueType type = HwQueueType::Selftest;
  uint32_t index = 0, flags = 0;
  uint64_t iova = 0, length = 0;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.hw_queue);
    viommu = read_viommu(r, n);
    type = r.choice("type", kHwQueueTypes);
    index = uint32_t(r.integer("index", 0, UINT32_MAX));
    iova = r.address("iova");
    length = r.address("length");
    flags = uint32_t(r.integer("flags", 0, 0, UINT32_MAX));
  }

  // iommufd_hw_queue_alloc_phys: the access pinning [iova, iova + length) rounded out
  // to pages, and the physical address of `iova`.
  static Errno alloc_phys(Host& h, IoPagetable& iopt, uint64_t iova, uint64_t length,
                          std::unique_ptr<IommufdAccess>& out, uint64_t& pa, uint64_t& pinned) {
    const uint64_t first = iova & ~(kCpuPage - 1), offset = iova - first;
    // The page count, DIV_ROUND_UP(offset + length, PAGE_SIZE): ERANGE if it overflows.
    if (offset + length < offset || offset + length + (kCpuPage - 1) < offset + length)
      return Errno::Erange;
    const uint64_t span = (offset + length + kCpuPage - 1) & ~(kCpuPage - 1);
    if (h.fail_alloc()) return Errno::Enomem;  // the page array (kvcalloc)
    if (h.fail_alloc()) return Errno::Enomem;  // iommufd_access_create_internal
    auto acc = std::make_unique<IommufdAccess>(iopt, true, true);
    if (Errno e = acc->attach(); e != Errno::Ok) return e;
    if (Errno e = acc->pin(h.driver(), h.vmm(), first, span, false, pinned); e != Errno::Ok)
      return e;
    uint64_t expect = 0;
    bool have = false;
    for (const AccessPiece& p : acc->pieces())
      for (uint64_t i = p.range.first; i <= p.range.last; ++i) {
        const uint64_t pfn = p.pages->access_pfn(i).first;
        if (have && pfn != expect) return Errno::Efault;  // the access's destructor unpins
        if (!have) pa = pfn * kCpuPage + offset;
        have = true;
        expect = pfn + 1;
      }
    out = std::move(acc);
    return Errno::Ok;
  }

  Task<Errno> run(Host& h, OpOutcome&) const override {
    if (flags || type == HwQueueType::Default) co_return Errno::Eopnotsupp;
    if (length == 0) co_return Errno::Einval;
    if (iova + (length - 1) < iova) co_return Errno::Eoverflow;
    auto vi = h.viommus().find(viommu);
    if (vi == h.viommus().end()) co_return Errno::Enoent;
    if (type != HwQueueType::Selftest) co_return Errno::Eopnotsupp;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc_ucmd
    IoPagetable& iopt = h.ioases().at(h.hwpts().at(vi->second.hwpt).ioas)->iopt;
    std::unique_ptr<IommufdAccess> acc;
    uint64_t pa = 0, pinned = 0;
    Errno e = alloc_phys(h, iopt, iova, length, acc, pa, pinned);
    co_await h.cpu().charge(pinned * h.cpu().cost().pin_page);
    if (e != Errno::Ok) co_return e;
    // The selftest driver's queues: an array of two, each after the one before.
    if (index >= Viommu::kHwQueueMax) co_return Errno::Einval;
    if (!vi->second.hw_queue[index].empty()) co_return Errno::Eexist;
    if (index && vi->second.hw_queue[index - 1].empty()) co_return Errno::Eio;
    vi->second.hw_queue[index] = id;
    h.hw_queues()[id] = HwQueue{viommu, index, iova, length, pa, std::move(acc)};
    h.objects().add(ObjectType::HwQueue, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry hw_queue_alloc_op =
    host_op<HwQueueAlloc>("hw_queue_alloc", iommufd_uapi::kHwQueueAlloc);
}  // namespace sim
