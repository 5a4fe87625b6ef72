// The host's dirty-tracking operations (iommufd SET_DIRTY_TRACKING and
// GET_DIRTY_BITMAP): the driver's D-bit walk, the user's bitmap, the flush policy.
#include <algorithm>

#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/iommufd/iova_bitmap.h"
#include "host-sw/vmm/host.h"

namespace sim {

Task<Errno> Host::set_dirty_tracking(const HostOp& op) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  if (!h->second.dirty_capable) co_return Errno::Eopnotsupp;
  Domain& d = *h->second.domain;
  if (op.enable) {
    // Where a clean leaf is read-only without tracking (Arm writable-clean without HD),
    // tracking goes on before the clean, or writes in between would fault: the order
    // Linux has, whose SMMUv3 domains track from allocation.
    if (!d.dirty_tracking && drv_.format().clean_needs_tracking())
      co_await drv_.set_dirty_tracking(d, true, op.enable_flush);
    // Start from a clean snapshot: clear every D bit, one sync, then enable. iommufd
    // clears even when tracking is on already (only the driver's enable is a no-op),
    // so a second enable discards what was not harvested.
    Gather g;
    auto rec = [&g](uint64_t iova, uint64_t len) { g.add(iova, len); };
    for (const auto& [iova, a] : ioas_[h->second.ioas]->iopt.areas())
      co_await drv_.read_and_clear_dirty(d, a.iova, a.length, false, rec);
    std::unique_ptr<FlushPolicy> gather = make_flush_policy("gather");
    co_await drv_.flush(d, g, *gather);
  }
  if (!op.enable && d.dirty_tracking) {
    // Without tracking a writable-clean leaf (Arm) would be read-only: make it dirty
    // while the hardware still tracks, then stop (nothing to do for D-bit formats).
    for (const auto& [iova, a] : ioas_[h->second.ioas]->iopt.areas())
      if (a.w) co_await drv_.make_writable_dirty(d, a.iova, a.length);
  }
  co_await drv_.set_dirty_tracking(d, op.enable, op.enable_flush);
  co_return Errno::Ok;
}

uint64_t Host::scratch_bitmap(uint64_t bytes) {
  if (bytes > scratch_size_) {
    if (scratch_size_) vmm_.munmap(scratch_name_);
    scratch_name_ = "(bitmap " + std::to_string(++scratch_seq_) + ")";
    scratch_size_ = (bytes + 4095) / 4096 * 4096;
    if (vmm_.mmap(scratch_name_, scratch_size_, 4096, false, scratch_va_) != Errno::Ok) {
      scratch_size_ = 0;
      return 0;
    }
  }
  return scratch_va_;
}

Task<Errno> Host::get_dirty_bitmap(const HostOp& op, std::string& detail,
                                   std::vector<Range>* reported) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  IoPagetable& iopt = ioas_[h->second.ioas]->iopt;
  // Range checks in the kernel's order (iommufd-semantics §4.3).
  if (op.iova + (op.length - 1) < op.iova) co_return Errno::Eoverflow;
  const uint64_t end = op.iova + op.length;  // wraps to 0 for the whole space
  const uint64_t align = iopt.alignment();
  if (op.iova % align || end % align) co_return Errno::Einval;
  if (op.page_size == 0) co_return Errno::Einval;
  if ((op.iova & (op.page_size - 1)) || (end & (op.page_size - 1))) co_return Errno::Einval;
  if (!h->second.dirty_capable) co_return Errno::Eopnotsupp;
  // Like the kernel, the bit granule is the lowest set bit of page_size.
  const uint64_t granule = op.page_size & -op.page_size;
  if (op.length == 0 || op.length / granule / 8 > (1ull << 30)) co_return Errno::Enomem;
  const uint64_t bytes = IovaBitmap::bytes_needed(op.length, granule);
  const uint64_t base = scratch_bitmap(bytes + op.bitmap_offset);
  if (!base) co_return Errno::Enomem;
  const uint64_t user_va = base + op.bitmap_offset;
  for (uint64_t i = 0; i < bytes; ++i) {  // the VMM hands over a zeroed buffer
    uint8_t z = 0;
    env_.memory.write(*vmm_.pa(user_va + i), &z, 1);
  }
  ++harvests_;
  // For the trace: what this call visited and submitted.
  auto count = [this](const char* stat) {
    auto v = env_.stats.get(stat);
    return v ? uint64_t(std::get<int64_t>(*v)) : 0;
  };
  const uint64_t ptes0 = ptes_visited_, descs0 = count("host.inv.descriptors"),
                 waits0 = count("host.inv.waits");
  Domain& d = *h->second.domain;
  IovaBitmap bm(vmm_, env_.memory, user_va, op.iova, op.length, granule, op.window_pages);
  Gather g;
  uint64_t span_start = UINT64_MAX, span_end = 0;  // for the trace: all this call cleared
  auto record = [&](uint64_t iova, uint64_t len) {
    bm.set(iova, len);
    if (op.no_clear) return;
    g.add(iova, len);
    span_start = std::min(span_start, iova);
    span_end = std::max(span_end, iova + len);
  };
  bool partial = false;
  IovaBitmap::Window w;
  std::unique_ptr<FlushPolicy> policy = make_flush_policy(op.flush);
  Hwpt& hw = h->second;
  const bool sticky = policy->sticky();
  while (!partial && bm.next(w)) {
    if (sticky)
      hw.sticky.for_each(w.iova, w.iova + w.length, [&](uint64_t at, uint64_t len) {
        bm.set(at, len);
        sticky_reports_ += (len + 4095) / 4096;
      });
    for (uint64_t cur = w.iova, wend = w.iova + w.length; cur < wend;) {
      const IoptArea* a = iopt.area_at(cur);
      // A hole, or tracking off (the driver refuses): the kernel stops and says 0.
      if (!a || !d.dirty_tracking) {
        partial = true;
        break;
      }
      const uint64_t slice_end = std::min(wend, a->last() + 1);
      HarvestCounts n =
          co_await drv_.read_and_clear_dirty(d, cur, slice_end - cur, op.no_clear, record);
      ptes_visited_ += n.ptes;
      cur = slice_end;
    }
    if (policy->per_window() && !op.no_clear) co_await flush_cleared(hw, g, *policy);
  }
  if (partial) ++partial_;
  bits_set_ += bm.bits_set();
  const Ps bitmap = bm.bits_set() / 8 * cpu_.cost().bitmap_write;
  if (!cpu_.free()) drv_.accounts().bitmap += bitmap;
  co_await cpu_.charge(bitmap);
  if (!op.no_clear) co_await flush_cleared(hw, g, *policy);
  // Reported in this call, and their flush completed before it returns: the copy that
  // follows sees every write the stale entries let through.
  if (sticky) hw.sticky.drop_covered(op.iova, end ? end : UINT64_MAX, d.deferred.covered);
  if (env_.trace.enabled())
    env_.trace.record(
        cpu_.now(), "host", "harvest",
        {TraceField::hex("iova", op.iova), TraceField::hex("length", op.length),
         TraceField::dec("bits", bm.bits_set()), TraceField::dec("windows", bm.windows()),
         TraceField::dec("ptes", ptes_visited_ - ptes0),
         TraceField::dec("descs", count("host.inv.descriptors") - descs0),
         TraceField::dec("waits", count("host.inv.waits") - waits0),
         TraceField::hex("span_start", span_end ? span_start : 0),
         TraceField::hex("span_end", span_end),
         TraceField::str("flush", op.no_clear ? "no_clear" : op.flush.name)});
  if (op.expect_dirty || reported) {
    std::vector<Range> have = bitmap_ranges(vmm_, env_.memory, user_va, bytes, op.iova, granule);
    if (op.expect_dirty) detail = dirty_mismatch(*op.expect_dirty, have);
    if (reported) *reported = std::move(have);
  }
  co_return Errno::Ok;
}

Task<> Host::flush_cleared(Hwpt& h, Gather& g, const FlushPolicy& policy) {
  const uint64_t gen = co_await drv_.flush(*h.domain, g, policy);
  if (policy.sticky())
    for (const Range& r : g.records) h.sticky.add(r.start, r.length, gen);
  g = Gather{};
}

}  // namespace sim
