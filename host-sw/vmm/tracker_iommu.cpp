// tracker: iommu — the IOMMU's dirty bits: every dirty-tracking HWPT of the IOAS is
// harvested (GET_DIRTY_BITMAP, host_harvest.cpp) over each contiguous mapped range.
// Tracking itself is the scenario's set_dirty_tracking, so start and stop do nothing.
#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"

namespace sim {
namespace {

class IommuTracker final : public DirtyTracker {
 public:
  Task<Errno> start(Host&, const MigrationParams&) override { co_return Errno::Ok; }
  Task<uint64_t> harvest(Host& h, const MigrationParams& p, bool final, PageSet& pending) override {
    co_return co_await harvest_dirty_bits(h, p, final, mapped_spans(h.ioases()[p.ioas]->iopt),
                                          pending);
  }
  Task<> stop(Host&, const MigrationParams&) override { co_return; }
};

}  // namespace

Task<uint64_t> harvest_dirty_bits(Host& h, const MigrationParams& p, bool final,
                                  std::vector<Range> spans, PageSet& pending) {
  const IoPagetable& iopt = h.ioases()[p.ioas]->iopt;
  uint64_t reported = 0;
  for (const auto& [hname, hw] : h.hwpts()) {
    if (hw.ioas != p.ioas || !hw.dirty_capable) continue;
    for (const Range& span : spans) {
      HarvestArgs get;
      get.hwpt = hname;
      get.iova = span.start & ~(p.page_size - 1);
      get.length = ((span.end() + p.page_size - 1) & ~(p.page_size - 1)) - get.iova;
      get.page_size = p.page_size;
      get.no_clear = final && p.final_no_clear;
      get.flush = p.flush;
      std::vector<Range> ranges;
      co_await h.cpu().charge(h.cpu().cost().syscall);
      co_await h.get_dirty_bitmap(get, &ranges);
      reported += h.add_reported_pages(iopt, ranges, pending);
    }
  }
  co_return reported;
}

extern const TrackerInfo iommu_tracker{"iommu", make_tracker<IommuTracker>};

}  // namespace sim
