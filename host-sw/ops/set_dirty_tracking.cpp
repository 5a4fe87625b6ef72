// set_dirty_tracking (IOMMU_HWPT_SET_DIRTY_TRACKING): enabling starts from a clean
// snapshot (every D bit cleared, one sync, then the driver's enable), also when
// tracking is on already, as iommufd does: what was not harvested is discarded.
// `split_to` (4KiB or 2MiB) splits larger leaves before the clean; disabling merges
// what a split made back (driver_split.cpp).
#include "host-sw/driver/flush_registry.h"
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct SetDirtyTracking final : HostOperation {
  std::string hwpt;
  bool enable = false;
  bool iotlb_flush = true;   // false: the driver skips its flush (a negative control)
  unsigned split_shift = 0;  // split leaves larger than this at enable (0: none)

  void parse(ConfigReader& r, OpNames& n) {
    hwpt = read_hwpt(r, n);
    enable = r.boolean("enable");
    iotlb_flush = r.boolean("iotlb_flush", true);
    split_shift = read_split_to(r);
    if (split_shift && !enable) r.fail("split_to", "split_to goes with enable: true");
  }
  void prepare(Host& h) const override {
    if (split_shift) h.driver().enable_split_stats();
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.hwpts().find(hwpt);
    if (it == h.hwpts().end() || it->second.nested()) co_return Errno::Enoent;
    if (!it->second.dirty_capable) co_return Errno::Eopnotsupp;
    IommuDriver& drv = h.driver();
    Domain& d = *it->second.domain;
    const IoPagetable& iopt = h.ioases()[it->second.ioas]->iopt;
    if (enable) {
      // Where a clean leaf is read-only without tracking (Arm writable-clean without
      // HD), tracking goes on before the clean, or writes in between would fault: the
      // order Linux has, whose SMMUv3 domains track from allocation.
      if (!d.dirty_tracking && drv.format().clean_needs_tracking())
        co_await drv.set_dirty_tracking(d, true, iotlb_flush);
      if (split_shift)
        for (const auto& [iova, a] : iopt.areas())
          co_await drv.split_leaves(d, a.iova, a.length, split_shift);
      Gather g;
      auto rec = [&g](uint64_t iova, uint64_t len) { g.add(iova, len); };
      for (const auto& [iova, a] : iopt.areas())
        co_await drv.read_and_clear_dirty(d, a.iova, a.length, false, rec);
      co_await drv.flush(d, g, *make_flush_policy("gather"));
    }
    if (!enable && d.dirty_tracking) {
      // Without tracking a writable-clean leaf (Arm) would be read-only: make it dirty
      // while the hardware still tracks, then stop (nothing to do for D-bit formats).
      for (const auto& [iova, a] : iopt.areas())
        if (a.w) co_await drv.make_writable_dirty(d, a.iova, a.length);
      if (!d.split.empty()) co_await drv.merge_leaves(d, 0, UINT64_MAX);
    }
    co_await drv.set_dirty_tracking(d, enable, iotlb_flush);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry set_dirty_tracking_op =
    host_op<SetDirtyTracking>("set_dirty_tracking", iommufd_uapi::kHwptSetDirtyTracking);
}  // namespace sim
