// tracker: iommu_log — a what-if IOMMU that logs the IOVA of every leaf whose D bit
// its walker sets to a ring in memory (iommu/dirty_log_ring.h, one per unit). Tracking
// itself is the scenario's set_dirty_tracking, as for tracker: iommu. A harvest reads
// each ring (head, tail, overflow flag, then the entries since the tail) and hands the
// ring back at once; the logged leaves' D bits are then read and cleared, and their
// IOTLB entries flushed, with GET_DIRTY_BITMAP over just those ranges, so the next
// write sets D, and so logs, again. The first harvest, and any after a ring overflowed,
// falls back to tracker: iommu's scan of every mapping: D bits set before the ring was
// reset, or whose entries a full ring dropped, are never logged again.
// `on_overflow: ignore` skips that fallback: a negative control that loses pages.
// Under a deferred flush policy the harvest also asks for the pages still waiting for
// their flush (the driver's sticky set), which a write may dirty without logging.
#include <algorithm>

#include "host-sw/vmm/host.h"
#include "host-sw/vmm/migration_params.h"
#include "host-sw/vmm/tracker.h"
#include "models/config/config.h"
#include "models/config/named_values.h"

namespace sim {
namespace {

constexpr uint64_t kHead = 0, kTail = 8, kOverflow = 16, kEntries = 64;  // dirty_log_ring.h

class IommuLogTracker final : public DirtyTracker {
 public:
  Task<Errno> start(Host& h, const MigrationParams&) override {
    stats(h);
    for (const HardwareInfo::Unit& u : h.hardware().units)
      if (u.log_entries) rings_.push_back(&u);
    if (rings_.empty()) co_return Errno::Eopnotsupp;  // no unit logs dirty pages
    for (const HardwareInfo::Unit* u : rings_) {
      co_await h.cpu().charge(h.cpu().cost().mmio);
      reset(h, *u);
    }
    full_next_ = true;
    co_return Errno::Ok;
  }

  Task<uint64_t> harvest(Host& h, const MigrationParams& p, bool final, PageSet& pending) override {
    // Each ring is read and handed back in one go (no wait in between): an append
    // after it lands beyond the new tail and is read next time.
    std::vector<Range> logged;
    bool overflowed = false;
    uint64_t entries = 0;
    for (const HardwareInfo::Unit* u : rings_) {
      SparseMemory& mem = h.memory();
      const uint64_t head = mem.read64(u->log_base + kHead);
      const uint64_t tail = mem.read64(u->log_base + kTail);
      if (mem.read64(u->log_base + kOverflow)) {
        overflowed = true;
        mem.write64(u->log_base + kOverflow, 0);
      }
      for (uint64_t i = tail; i < head; ++i) {
        const uint64_t e = mem.read64(u->log_base + kEntries + 8 * (i % u->log_entries));
        const uint64_t size = 1ull << (e & 0xfff);
        logged.push_back({e & ~0xfffull & ~(size - 1), size});
      }
      mem.write64(u->log_base + kTail, head);
      entries += head - tail;
    }
    *entries_ += entries;
    // Three header words per ring and each entry: a memory read each.
    co_await h.cpu().charge(h.cpu().cost().pte_scan * (3 * rings_.size() + entries));
    if (overflowed) ++*overflows_;
    if (full_next_ || (overflowed && !p.log_overflow_ignore)) {
      if (!full_next_) ++*fallbacks_;
      full_next_ = false;
      co_return co_await harvest_dirty_bits(h, p, final, mapped_spans(h.ioases()[p.ioas]->iopt),
                                            pending);
    }
    if (overflowed) ++*ignored_;
    // A deferred flush policy's pages still waiting for their flush: a write to one may
    // hit its stale dirty-known IOTLB entry, set no D bit and so append nothing. The
    // harvest asks for them as well, so that they are re-reported (sticky) as under
    // tracker: iommu's scan, until a harvest after their flush.
    for (const auto& [name, hw] : h.hwpts())
      if (hw.ioas == p.ioas && hw.dirty_capable)
        hw.sticky.for_each(0, UINT64_MAX, [&](uint64_t at, uint64_t len) {
          logged.push_back({at, len});
        });
    co_return co_await harvest_dirty_bits(h, p, final, logged_spans(h, p, std::move(logged)),
                                          pending);
  }

  Task<> stop(Host&, const MigrationParams&) override { co_return; }

 private:
  void stats(Host& h) {
    entries_ = &h.tracker_counter("migration.iommu_log.entries");
    overflows_ = &h.tracker_counter("migration.iommu_log.overflows");
    fallbacks_ = &h.tracker_counter("migration.iommu_log.fallback_scans");
    ignored_ = &h.tracker_counter("migration.iommu_log.ignored_overflows");
  }
  static void reset(Host& h, const HardwareInfo::Unit& u) {
    h.memory().write64(u.log_base + kHead, 0);
    h.memory().write64(u.log_base + kTail, 0);
    h.memory().write64(u.log_base + kOverflow, 0);
  }
  // The logged leaves, in the harvest's page size, merged, and cut to what is still
  // mapped (a churn may have unmapped some since).
  static std::vector<Range> logged_spans(Host& h, const MigrationParams& p,
                                         std::vector<Range> logged) {
    for (Range& r : logged) {
      const uint64_t start = r.start & ~(p.page_size - 1);
      r = {start, ((r.end() + p.page_size - 1) & ~(p.page_size - 1)) - start};
    }
    std::sort(logged.begin(), logged.end(),
              [](const Range& a, const Range& b) { return a.start < b.start; });
    std::vector<Range> merged;
    for (const Range& r : logged) {
      if (!merged.empty() && r.start <= merged.back().end())
        merged.back().length = std::max(merged.back().end(), r.end()) - merged.back().start;
      else
        merged.push_back(r);
    }
    std::vector<Range> out;
    const std::vector<Range> spans = mapped_spans(h.ioases()[p.ioas]->iopt);
    size_t s = 0;
    for (const Range& r : merged) {
      while (s < spans.size() && spans[s].end() <= r.start) ++s;
      for (size_t k = s; k < spans.size() && spans[k].start < r.end(); ++k) {
        const uint64_t a = std::max(r.start, spans[k].start), b = std::min(r.end(), spans[k].end());
        if (a < b) out.push_back({a, b - a});
      }
    }
    return out;
  }

  std::vector<const HardwareInfo::Unit*> rings_;
  bool full_next_ = true;
  uint64_t *entries_ = nullptr, *overflows_ = nullptr, *fallbacks_ = nullptr, *ignored_ = nullptr;
};

enum class OnOverflow { Fallback, Ignore };
const NamedValues<OnOverflow> kOnOverflow{{"fallback", OnOverflow::Fallback},
                                          {"ignore", OnOverflow::Ignore}};

void read_iommu_log_keys(ConfigReader& r, MigrationParams& p, const TrackerNames&) {
  p.log_overflow_ignore =
      r.choice("on_overflow", OnOverflow::Fallback, kOnOverflow) == OnOverflow::Ignore;
}

void prepare_iommu_log_tracker(Host& h) {
  h.tracker_counter("migration.iommu_log.entries", "count", "dirty-log ring entries read");
  h.tracker_counter("migration.iommu_log.overflows", "count",
                    "harvests that found a ring's overflow flag set");
  h.tracker_counter("migration.iommu_log.fallback_scans", "count",
                    "harvests that scanned every mapping after an overflow");
  h.tracker_counter("migration.iommu_log.ignored_overflows", "count",
                    "overflows ignored (negative control)");
}

}  // namespace

extern const TrackerInfo iommu_log_tracker{"iommu_log", make_tracker<IommuLogTracker>,
                                           read_iommu_log_keys, prepare_iommu_log_tracker};

}  // namespace sim
