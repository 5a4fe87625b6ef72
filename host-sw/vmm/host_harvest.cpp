// The harvest (IOMMU_HWPT_GET_DIRTY_BITMAP) as the host's function, in pieces: the
// ioctl's argument checks, the window loop (the driver's D-bit walk per iova_bitmap
// window, with the flush policy), the trace record, and the reported ranges. The
// get_dirty_bitmap operation (ops/) and the migration both call it.
#include <algorithm>

#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/iommufd/iova_bitmap.h"
#include "host-sw/vmm/host.h"

namespace sim {

// What one call cleared, for its flush and its trace.
struct Host::HarvestSpan {
  Gather g;
  uint64_t start = UINT64_MAX, end = 0;
};

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

// Range checks in the kernel's order.
Errno Host::harvest_checks(const Hwpt& h, const IoPagetable& iopt, const HarvestArgs& a) const {
  if (a.iova + (a.length - 1) < a.iova) return Errno::Eoverflow;
  const uint64_t end = a.iova + a.length;  // wraps to 0 for the whole space
  const uint64_t align = iopt.alignment();
  if (a.iova % align || end % align) return Errno::Einval;
  if (a.page_size == 0) return Errno::Einval;
  if ((a.iova & (a.page_size - 1)) || (end & (a.page_size - 1))) return Errno::Einval;
  if (!h.dirty_capable) return Errno::Eopnotsupp;
  // Like the kernel, the bit granule is the lowest set bit of page_size.
  const uint64_t granule = a.page_size & -a.page_size;
  if (a.length == 0 || a.length / granule / 8 > (1ull << 30)) return Errno::Enomem;
  return Errno::Ok;
}

// Each window: a sticky policy's pages re-reported, then the driver reads (and clears)
// the D bits area by area, and a per-window policy flushes; true when it stopped early
// at a hole or with tracking off.
Task<bool> Host::harvest_windows(Hwpt& h, const IoPagetable& iopt, IovaBitmap& bm,
                                 const HarvestArgs& a, const FlushPolicy& policy,
                                 HarvestSpan& span) {
  Domain& d = *h.domain;
  auto record = [&](uint64_t iova, uint64_t len) {
    bm.set(iova, len);
    if (a.no_clear) return;
    span.g.add(iova, len);
    span.start = std::min(span.start, iova);
    span.end = std::max(span.end, iova + len);
  };
  const bool sticky = policy.sticky();
  bool partial = false;
  IovaBitmap::Window w;
  while (!partial && bm.next(w)) {
    if (sticky)
      h.sticky.for_each(w.iova, w.iova + w.length, [&](uint64_t at, uint64_t len) {
        bm.set(at, len);
        sticky_reports_ += (len + 4095) / 4096;
      });
    for (uint64_t cur = w.iova, wend = w.iova + w.length; cur < wend;) {
      const IoptArea* area = iopt.area_at(cur);
      // A hole, or tracking off (the driver refuses): the kernel stops and says 0.
      if (!area || !d.dirty_tracking) {
        partial = true;
        break;
      }
      const uint64_t slice_end = std::min(wend, area->last() + 1);
      HarvestCounts n =
          co_await drv_.read_and_clear_dirty(d, cur, slice_end - cur, a.no_clear, record);
      ptes_visited_ += n.ptes;
      cur = slice_end;
    }
    if (policy.per_window() && !a.no_clear) co_await flush_cleared(h, span.g, policy);
  }
  co_return partial;
}

Host::HarvestMark Host::harvest_mark() const {
  return {ptes_visited_, env_.stats.count("host.inv.descriptors"),
          env_.stats.count("host.inv.waits")};
}

void Host::trace_harvest(const HarvestArgs& a, const IovaBitmap& bm, const HarvestMark& m0,
                         const HarvestSpan& span) const {
  if (!env_.trace.enabled()) return;
  const HarvestMark m = harvest_mark();
  env_.trace.record(
      cpu_.now(), "host", "harvest",
      {TraceField::hex("iova", a.iova), TraceField::hex("length", a.length),
       TraceField::dec("bits", bm.bits_set()), TraceField::dec("windows", bm.windows()),
       TraceField::dec("ptes", m.ptes - m0.ptes), TraceField::dec("descs", m.descs - m0.descs),
       TraceField::dec("waits", m.waits - m0.waits),
       TraceField::hex("span_start", span.end ? span.start : 0),
       TraceField::hex("span_end", span.end),
       TraceField::str("flush", a.no_clear ? "no_clear" : a.flush.name)});
}

Task<Errno> Host::get_dirty_bitmap(const HarvestArgs& a, std::vector<Range>* reported) {
  auto h = hwpts_.find(a.hwpt);
  if (h == hwpts_.end() || h->second.nested()) co_return Errno::Enoent;  // not a paging HWPT
  IoPagetable& iopt = ioas_[h->second.ioas]->iopt;
  if (Errno e = harvest_checks(h->second, iopt, a); e != Errno::Ok) co_return e;
  const uint64_t granule = a.page_size & -a.page_size;
  const uint64_t bytes = IovaBitmap::bytes_needed(a.length, granule);
  // iova_bitmap_alloc (a failure point); the user's buffer (the VMM's) is not the kernel's.
  if (drv_.fail_nth().should_fail(FailPoint::Alloc)) co_return Errno::Enomem;
  const uint64_t base = scratch_bitmap(bytes + a.bitmap_offset);
  if (!base) co_return Errno::Enomem;
  const uint64_t user_va = base + a.bitmap_offset;
  for (uint64_t i = 0; i < bytes; ++i) {  // the VMM hands over a zeroed buffer
    uint8_t z = 0;
    env_.memory.write(*vmm_.pa(user_va + i), &z, 1);
  }
  ++harvests_;
  const HarvestMark m0 = harvest_mark();
  Hwpt& hw = h->second;
  IovaBitmap bm(vmm_, env_.memory, user_va, a.iova, a.length, granule, a.window_pages);
  std::unique_ptr<FlushPolicy> policy = make_flush_policy(a.flush);
  HarvestSpan span;
  if (co_await harvest_windows(hw, iopt, bm, a, *policy, span)) ++partial_;
  bits_set_ += bm.bits_set();
  const Ps bitmap = bm.bits_set() / 8 * cpu_.cost().bitmap_write;
  if (!cpu_.free()) drv_.accounts().bitmap += bitmap;
  co_await cpu_.charge(bitmap);
  if (!a.no_clear) co_await flush_cleared(hw, span.g, *policy);
  // Reported in this call, and their flush completed before it returns: the copy that
  // follows sees every write the stale entries let through.
  const uint64_t end = a.iova + a.length;
  if (policy->sticky())
    hw.sticky.drop_covered(a.iova, end ? end : UINT64_MAX, hw.domain->deferred.covered);
  trace_harvest(a, bm, m0, span);
  if (reported) *reported = bitmap_ranges(vmm_, env_.memory, user_va, bytes, a.iova, granule);
  co_return Errno::Ok;
}

Task<> Host::flush_cleared(Hwpt& h, Gather& g, const FlushPolicy& policy) {
  const uint64_t gen = co_await drv_.flush(*h.domain, g, policy);
  if (policy.sticky())
    for (const Range& r : g.records) h.sticky.add(r.start, r.length, gen);
  g = Gather{};
}

}  // namespace sim
