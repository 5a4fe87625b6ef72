// Mapping churn during a migration: a guest behind a vIOMMU keeps unmapping and
// remapping its DMA buffers (the areas inside the churn region) while `migrate` runs.
// Each remap is the VMM's handling of the guest's unmap: the dirty state of the range
// must be read before its PTEs go, or writes since the last harvest are lost with them.
// Three orders: a plain unmap (nothing read), QEMU's GET_DIRTY_BITMAP(NO_CLEAR) then
// IOAS_UNMAP (two calls: a write in between dirties a PTE the unmap then discards),
// and VFIO type1's UNMAP_DMA with GET_DIRTY_BITMAP (one call). The pages a read
// reports join the migration's next harvest; the oracle hears of every unmap and names
// the loss each order causes. The churn and the migration's harvests exclude each
// other as the kernel's iova_rwsem makes them (iopt_lock, locked_harvest).
#include <algorithm>

#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"
#include "models/base/rng.h"

namespace sim {

void Host::enable_churn_stats(bool moving) {
  if (churn_remaps_) return;
  churn_remaps_ = &env_.stats.counter("migration.churn.remaps", "count",
                                      "buffers the churn unmapped and mapped back");
  churn_reported_pages_ = &env_.stats.counter("migration.churn.pages_reported", "pages",
                                              "pages the churn's dirty reads at unmap reported");
  if (moving)
    churn_moves_ = &env_.stats.counter("migration.churn.moves", "count",
                                       "remaps that mapped the buffer at a new IOVA (move_to)");
}

// A ticket lock: first come, first served, so a churn running back to back cannot
// starve a harvest waiting for its turn.
Task<> Host::iopt_lock() {
  const uint64_t ticket = iopt_tickets_++;
  while (iopt_serving_ != ticket) co_await cpu_.charge(cpu_.cost().poll);
}

// Where a buffer goes back: in place, or with `move_to` at its offset in the other
// window, unless something is mapped there (then in place).
static uint64_t churn_target(const ChurnParams& c, const IoPagetable& iopt, uint64_t iova,
                             uint64_t length) {
  if (!c.move) return iova;
  const uint64_t to = iova >= c.move_to && iova < c.move_to + c.length
                          ? c.iova + (iova - c.move_to)
                          : c.move_to + (iova - c.iova);
  auto it = iopt.areas().lower_bound(to);
  if (it != iopt.areas().end() && it->second.iova < to + length) return iova;
  if (it != iopt.areas().begin() && std::prev(it)->second.iova + std::prev(it)->second.length > to)
    return iova;
  return to;
}

// One buffer: its dirty state read as `kind` says, unmapped, and mapped back.
Task<> Host::churn_remap(const MigrationParams& op, const IoptArea& area) {
  IoPagetable& iopt = ioas_[op.ioas]->iopt;
  const uint64_t iova = area.iova, length = area.length, user_va = area.user_va;
  const bool r = area.r, w = area.w;
  uint64_t to = churn_target(op.churn, iopt, iova, length);
  // The guest pages behind it (they stay the guest's: the remap maps them again).
  std::vector<uint64_t> pages;
  for (uint64_t off = 0; off < length; off += 4096)
    pages.push_back(vmm_.pa(user_va + off).value_or(0));
  auto report = [&](const std::vector<Range>& ranges) {
    for (const Range& rg : ranges)
      for (uint64_t at = rg.start; at < rg.end(); at += 4096)
        if (at >= iova && at < iova + length && pages[(at - iova) / 4096] &&
            churn_reported_.insert(pages[(at - iova) / 4096]))
          ++*churn_reported_pages_;
  };
  const UnmapKind kind = op.churn.unmap;
  Ps read_at = cpu_.now();
  uint64_t unmapped = 0;
  if (kind == UnmapKind::Atomic) {
    VfioType1* v = nullptr;
    if (find_container(op.ioas, v) != Errno::Ok) throw std::logic_error("churn: no container");
    VfioBitmapArgs range;
    range.iova = iova;
    range.length = length;
    Type1Bitmap bm;
    uint64_t bytes = 0;
    if (vfio_bitmap(range, bm, bytes) != Errno::Ok) throw std::runtime_error("churn: no bitmap");
    VfioType1::Unmap u;
    u.argsz = vfio::kUnmapBitmapArgsz;
    u.flags = vfio::kUnmapGetDirtyBitmap;
    u.iova = iova;
    u.size = length;
    u.bitmap = &bm;
    u.iommu_backed = iommu_backed(op.ioas);
    co_await cpu_.charge(cpu_.cost().syscall);
    read_at = cpu_.now();
    co_await v->unmap_dma(drv_, u, unmapped);
    std::string detail;
    std::vector<Range> ranges;
    co_await vfio_bitmap_done(range, *v, bm, bytes, detail, &ranges);
    report(ranges);
  } else {
    if (kind == UnmapKind::NoClearThenUnmap)
      for (const auto& [hname, h] : hwpts_) {
        if (h.ioas != op.ioas || !h.dirty_capable) continue;
        HarvestArgs get;
        get.hwpt = hname;
        get.iova = iova;
        get.length = length;
        get.no_clear = true;
        std::vector<Range> ranges;
        co_await cpu_.charge(cpu_.cost().syscall);
        co_await get_dirty_bitmap(get, &ranges);
        report(ranges);
      }
    // The read is over: from here on a write dirties a PTE nobody reads again.
    read_at = cpu_.now();
    co_await cpu_.charge(cpu_.cost().syscall);
    co_await iopt.unmap(drv_, iova, length, unmapped);
  }
  if (env_.observer)
    for (uint64_t pa : pages)
      if (pa) env_.observer->unmapped(pa, read_at, cpu_.now(), kind);
  if (op.churn.gap) {
    iopt_unlock();
    co_await SleepUntil{env_.dispatcher, cpu_.now() + op.churn.gap, Rank::Host};
    co_await iopt_lock();
  }
  co_await cpu_.charge(cpu_.cost().syscall);
  uint64_t placed = 0;
  VfioType1* v = nullptr;
  if (kind == UnmapKind::Atomic) (void)find_container(op.ioas, v);
  // A new IOVA the IOAS refuses (a reserved range) leaves the buffer in place.
  for (uint64_t at : {to, iova}) {
    const Errno e = v ? co_await v->map_dma(drv_, vmm_, at, user_va, length, r, w)
                      : co_await iopt.map(drv_, vmm_, at, user_va, length, r, w, placed);
    to = at;
    if (e == Errno::Ok || at == iova) break;
  }
  if (to != iova && churn_moves_) ++*churn_moves_;
  ++*churn_remaps_;
}

Task<> Host::churn_loop(const MigrationParams& op) {
  const ChurnParams& c = op.churn;
  Rng rng(c.seed, "churn");
  uint64_t turn = 0;
  for (Ps next = std::max(cpu_.now(), c.start) + c.interval; !churn_stop_; next += c.interval) {
    if (next > cpu_.now()) co_await SleepUntil{env_.dispatcher, next, Rank::Host};
    if (churn_stop_) break;
    co_await iopt_lock();
    // The buffers: the areas wholly inside the region, in IOVA order.
    const IoPagetable& iopt = ioas_[op.ioas]->iopt;
    std::vector<const IoptArea*> slots;
    for (uint64_t lo : {c.iova, c.move_to}) {
      for (auto it = iopt.areas().lower_bound(lo);
           it != iopt.areas().end() && it->second.iova + it->second.length <= lo + c.length; ++it)
        slots.push_back(&it->second);
      if (!c.move) break;
    }
    if (!slots.empty()) {
      const IoptArea a = *slots[c.random ? rng.below(slots.size()) : turn++ % slots.size()];
      co_await churn_remap(op, a);
    }
    iopt_unlock();
  }
  churn_running_ = false;
}

void Host::start_churn(const MigrationParams& op) {
  churn_stop_ = false;
  churn_running_ = true;
  churn_fiber_ = Fiber::start(churn_loop(op), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

Task<> Host::stop_churn() {
  churn_stop_ = true;
  while (churn_running_) co_await cpu_.charge(cpu_.cost().poll);
}

// A migration's harvest holds the IOAS lock throughout (a remap waits for it to end)
// and takes the pages the churn's reads reported since the last one, and those the
// guest CPU wrote (its IOMMU driver's page tables, read from KVM's dirty log).
Task<uint64_t> Host::locked_harvest(DirtyTracker& tracker, const MigrationParams& op, bool final,
                                    PageSet& pending) {
  co_await iopt_lock();
  uint64_t reported = take_pages(churn_reported_, pending) + take_pages(cpu_dirty_, pending);
  reported += co_await tracker.harvest(*this, op, final, pending);
  iopt_unlock();
  co_return reported;
}

uint64_t Host::take_pages(PageSet& from, PageSet& pending) {
  uint64_t added = 0;
  for (uint64_t p = from.next(0); p != PageSet::kEnd; p = from.next(p + 4096))
    if (pending.insert(p)) ++added;
  from.clear();
  return added;
}

}  // namespace sim
