// ioas_copy (IOMMU_IOAS_COPY): maps the pages behind a range of one IOAS into another
// (or the same) at an IOVA, or at one the kernel allocates.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasCopy final : HostOperation {
  std::string src_ioas, dst_ioas, save_iova;
  IovaArg src_iova, dst_iova;
  bool iova_auto = false;  // no dst_iova: allocated
  uint64_t length = 0;
  bool r = true, w = true;
  std::optional<uint64_t> expect_iova;

  void parse(ConfigReader& c, OpNames& n) {
    src_ioas = read_ioas(c, n, "src_ioas");
    src_iova = read_iova(c, n, "src_iova");
    dst_ioas = read_ioas(c, n, "dst_ioas");
    iova_auto = !c.has("dst_iova");
    if (!iova_auto) dst_iova = read_iova(c, n, "dst_iova");
    length = c.size("length");
    read_prot(c, r, w);
    if (c.has("expect_iova")) expect_iova = c.address("expect_iova");
    save_iova = read_save_iova(c, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> src = h.resolve(src_iova, out);
    const std::optional<uint64_t> dst = iova_auto ? 0 : h.resolve(dst_iova, out);
    if (!src || !dst) co_return Errno::Einval;
    // Overflow, permission, source lookup and slices, destination lookup, map.
    if (length == UINT64_MAX || *src == UINT64_MAX || *dst == UINT64_MAX)
      co_return Errno::Eoverflow;
    if (!r && !w) co_return Errno::Einval;
    IoPagetable* from = h.find_ioas(src_ioas);
    if (!from) co_return Errno::Enoent;
    std::vector<IoptSlice> slices;
    if (Errno e = from->get_pages(*src, length, slices); e != Errno::Ok) co_return e;
    IoPagetable* to = h.find_ioas(dst_ioas);
    if (!to) co_return Errno::Enoent;
    uint64_t placed = 0;
    Errno e = co_await to->map_pages(h.driver(), h.vmm(), slices, length,
                                     iova_auto ? std::nullopt : dst, r, w, placed);
    if (e == Errno::Ok) {
      expect_value("iova", expect_iova, placed, out.detail);
      if (!save_iova.empty()) h.save_iova(save_iova, placed);
    }
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry ioas_copy_op = host_op<IoasCopy>("ioas_copy", iommufd_uapi::kIoasCopy);
}  // namespace sim
