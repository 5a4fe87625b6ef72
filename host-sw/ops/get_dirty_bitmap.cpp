// get_dirty_bitmap (IOMMU_HWPT_GET_DIRTY_BITMAP): the harvest (vmm/host_harvest.cpp),
// then the bitmap it wrote against `expect_dirty`.
#include "host-sw/driver/flush_registry.h"
#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct GetDirtyBitmap final : HostOperation {
  HarvestArgs args;
  IovaArg iova;
  std::optional<std::vector<Range>> expect_dirty;  // exactly these ranges' bits are set

  void parse(ConfigReader& r, OpNames& n) {
    args.hwpt = read_hwpt(r, n);
    iova = read_iova(r, n, "iova");
    args.length = r.size("length");
    args.page_size = r.size("page_size", 4096);
    for (const std::string& f : r.string_list("flags")) {
      if (f != "no_clear") r.fail("flags", "unknown flag '" + f + "' (expected no_clear)");
      args.no_clear = true;
    }
    args.flush = read_flush(r);
    args.bitmap_offset = read_bitmap_offset(r);
    args.window_pages = unsigned(r.integer("window_pages", 512, 1, 1 << 20));
    if (r.has("expect_dirty")) expect_dirty = r.range_list("expect_dirty");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> at = h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    HarvestArgs a = args;
    a.iova = *at;
    std::vector<Range> have;
    Errno e = co_await h.get_dirty_bitmap(a, expect_dirty ? &have : nullptr);
    if (e == Errno::Ok && expect_dirty) out.detail = dirty_mismatch(*expect_dirty, have);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry get_dirty_bitmap_op =
    host_op<GetDirtyBitmap>("get_dirty_bitmap", iommufd_uapi::kHwptGetDirtyBitmap);
}  // namespace sim
