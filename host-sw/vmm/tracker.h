#pragma once
// A migration's dirty tracker: what `migrate` starts before round 0, asks after every
// round which guest pages were written, and stops after the final harvest. Each
// tracker is a class in its own file (tracker_<name>.cpp) that registers once, beside
// its code, its name, how to make it and the `migrate` keys only it reads;
// tracker_registry.cpp lists them, one line each. The `tracker:` choice, its "did you
// mean" and the docs' list (checked by a test) all read that table.
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host-sw/kernel/errno.h"
#include "host-sw/vmm/page_set.h"
#include "models/base/units.h"
#include "models/sim/task.h"

namespace sim {

class ConfigReader;
class Host;
class IoPagetable;
struct MigrationParams;

class DirtyTracker {
 public:
  virtual ~DirtyTracker() = default;
  // Arms tracking over the IOAS (before round 0); an error aborts the migration.
  virtual Task<Errno> start(Host& h, const MigrationParams& p) = 0;
  // Adds the guest pages (4 KiB, by physical address) written since the last harvest
  // to `pending`; returns how many were new. `final`: the harvest after the quiesce.
  virtual Task<uint64_t> harvest(Host& h, const MigrationParams& p, bool final,
                                 PageSet& pending) = 0;
  // Disarms tracking (after the final harvest).
  virtual Task<> stop(Host& h, const MigrationParams& p) = 0;
  // Set when a harvest failed in a way that must end the migration (its errno).
  virtual Errno error() const { return Errno::Ok; }
};

// What a tracker's key reader may check against: the names the scenario defined so far.
struct TrackerNames {
  const std::set<std::string>& containers;  // IOASes a vfio_set_iommu made containers
};

struct TrackerInfo {
  std::string_view name;
  std::unique_ptr<DirtyTracker> (*make)(Host& h, const MigrationParams& p);
  // Its own `migrate` keys and checks against the others (page_size, ...), if any.
  void (*read_keys)(ConfigReader& r, MigrationParams& p, const TrackerNames& n) = nullptr;
  // Before the run: registers its statistics (Host::tracker_counter), if any.
  void (*prepare)(Host& h) = nullptr;
  // It reads no IO page table (type1's own bitmaps): nothing to split, no NO_CLEAR read.
  bool without_page_table = false;
};

template <class T>
std::unique_ptr<DirtyTracker> make_tracker(Host&, const MigrationParams&) {
  return std::make_unique<T>();
}

// tracker: iommu's harvest (tracker_iommu.cpp) over `spans` of the IOAS: GET_DIRTY_BITMAP
// of every dirty-tracking HWPT on it, each span widened to the harvest's page size.
Task<uint64_t> harvest_dirty_bits(Host& h, const MigrationParams& p, bool final,
                                  std::vector<Range> spans, PageSet& pending);

// The IOAS's mappings as maximal contiguous IOVA spans, in address order.
std::vector<Range> mapped_spans(const IoPagetable& iopt);

// tracker: device's range merging (tracker_device.cpp), after QEMU's
// vfio_combine_iova_ranges: while more than `max` sorted ranges remain, the two
// neighbours with the smallest gap between them become one.
std::vector<Range> merge_ranges_to_fit(std::vector<Range> ranges, size_t max);

// Every tracker, in the order error messages list them.
std::span<const TrackerInfo* const> trackers();
const std::vector<std::string>& tracker_names();
// `tracker:` (default iommu) and the keys of the tracker it names.
const TrackerInfo* read_tracker(ConfigReader& r, MigrationParams& p, const TrackerNames& n);

}  // namespace sim
