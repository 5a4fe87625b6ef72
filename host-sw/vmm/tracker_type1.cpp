// tracker: type1 — VFIO type1's own dirty tracking (host_vfio.cpp): no hardware dirty
// bits; the container's GET_BITMAP reads each contiguous run of mappings at its 4 KiB
// granule and, with an IOMMU-backed device attached, reports every mapped page on
// every read. Tracking runs from before round 0 to after the final harvest, as QEMU's
// log_global_start / _stop.
#include "host-sw/iommufd/vfio_type1.h"
#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"
#include "models/config/config.h"

namespace sim {
namespace {

class Type1Tracker final : public DirtyTracker {
 public:
  Task<Errno> start(Host& h, const MigrationParams& p) override {
    co_return co_await h.vfio_call(p.ioas, vfio::kDirtyStart);
  }
  Task<uint64_t> harvest(Host& h, const MigrationParams& p, bool, PageSet& pending) override {
    const IoPagetable& iopt = h.ioases()[p.ioas]->iopt;
    uint64_t reported = 0;
    for (const Range& span : mapped_spans(iopt)) {
      std::vector<Range> ranges;
      co_await h.vfio_call(p.ioas, vfio::kDirtyGetBitmap, span.start, span.length, &ranges);
      reported += h.add_reported_pages(iopt, ranges, pending);
    }
    co_return reported;
  }
  Task<> stop(Host& h, const MigrationParams& p) override {
    co_await h.vfio_call(p.ioas, vfio::kDirtyStop);
  }
};

// type1 reads through the container's own ioctls, at its smallest page size.
void read_type1_keys(ConfigReader& r, MigrationParams& p, const TrackerNames& n) {
  if (!n.containers.count(p.ioas))
    r.fail("tracker", "tracker: type1 needs IOAS '" + p.ioas +
                          "' to be a VFIO container (vfio_set_iommu it first)");
  if (p.page_size != 4096)
    r.fail("page_size", "tracker: type1 reads at its smallest page size, 4KiB");
}

}  // namespace

extern const TrackerInfo type1_tracker{"type1", make_tracker<Type1Tracker>, read_type1_keys,
                                       nullptr, true};

}  // namespace sim
