// vfio_unmap_dma (VFIO_IOMMU_UNMAP_DMA): unmaps a range (or `all`), optionally
// reading its dirty bitmap first (GET_DIRTY_BITMAP), and returns the size unmapped.
// Without `ioas` it is iommufd's compat layer: EINVAL for `argsz` below 24, for
// `get_dirty_bitmap` or `extra_flags` (it knows only `all`), ENODEV without a compat
// IOAS, then vfio_compat::unmap_dma.
#include "host-sw/iommufd/vfio_type1.h"
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioUnmapDma final : HostOperation {
  std::string ioas;  // "": the compat layer
  std::optional<uint32_t> argsz;
  uint32_t flags = 0, extra_flags = 0;
  VfioBitmapArgs range;  // the range, and the bitmap keys with get_dirty_bitmap
  std::optional<uint64_t> expect_length;

  void parse(ConfigReader& r, OpNames& n) {
    if (r.has("ioas")) {
      ioas = read_container(r, n, argsz);
    } else {
      if (r.has("argsz")) argsz = uint32_t(r.integer("argsz", 0, UINT32_MAX));
      extra_flags = read_extra_flags(r);
    }
    flags = read_flags(r, {"get_dirty_bitmap", "all"});
    const bool all = flags & vfio::kUnmapAll;
    range.iova = all ? r.address("iova", 0) : r.address("iova");
    range.length = all ? r.size("length", 0) : r.size("length");
    if ((flags & vfio::kUnmapGetDirtyBitmap) && !ioas.empty()) read_type1_bitmap(r, range);
    if (r.has("expect_length")) expect_length = r.size("expect_length");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    if (ioas.empty()) co_return co_await compat(h, out);
    VfioType1* v = nullptr;
    if (Errno e = h.find_container(ioas, v); e != Errno::Ok) co_return e;
    const bool with_bitmap = flags & vfio::kUnmapGetDirtyBitmap;
    Type1Bitmap bm;
    uint64_t bytes = 0;
    if (with_bitmap)
      if (Errno e = h.vfio_bitmap(range, bm, bytes); e != Errno::Ok) co_return e;
    VfioType1::Unmap u;
    u.argsz = argsz.value_or(with_bitmap ? vfio::kUnmapBitmapArgsz : vfio::kUnmapMinsz);
    u.flags = flags;
    u.iova = range.iova;
    u.size = range.length;
    u.bitmap = with_bitmap ? &bm : nullptr;
    u.iommu_backed = h.iommu_backed(ioas);
    uint64_t unmapped = 0;
    Errno e = co_await v->unmap_dma(h.driver(), u, unmapped);
    if (e == Errno::Ok && expect_length && *expect_length != unmapped)
      out.detail = "expected length " + hex(*expect_length) + ", got " + hex(unmapped);
    if (e == Errno::Ok && with_bitmap)
      co_await h.vfio_bitmap_done(range, *v, bm, bytes, out.detail, nullptr);
    co_return e;
  }
  Task<Errno> compat(Host& h, OpOutcome& out) const {
    if (argsz.value_or(vfio::kUnmapMinsz) < vfio::kUnmapMinsz) co_return Errno::Einval;
    if ((flags & ~vfio::kUnmapAll) || extra_flags) co_return Errno::Einval;
    IoPagetable* iopt = compat_iopt(h);
    if (!iopt) co_return Errno::Enodev;
    uint64_t unmapped = 0;
    const Errno e = co_await vfio_compat::unmap_dma(h.driver(), *iopt, flags & vfio::kUnmapAll,
                                                    range.iova, range.length, unmapped);
    if (e == Errno::Ok && expect_length && *expect_length != unmapped)
      out.detail = "expected length " + hex(*expect_length) + ", got " + hex(unmapped);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry vfio_unmap_dma_op = host_op<VfioUnmapDma>("vfio_unmap_dma");
}  // namespace sim
