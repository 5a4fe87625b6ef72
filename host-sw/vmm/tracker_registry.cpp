#include "host-sw/vmm/tracker.h"

#include "host-sw/iommufd/io_pagetable.h"
#include "host-sw/vmm/migration_params.h"
#include "models/config/config.h"
#include "models/config/named_values.h"

namespace sim {

// One line per tracker, each defined in tracker_<name>.cpp.
extern const TrackerInfo iommu_tracker, type1_tracker, device_tracker, auto_tracker,
    iommu_log_tracker;

namespace {
const TrackerInfo* const kTrackers[] = {&iommu_tracker, &type1_tracker, &device_tracker,
                                        &auto_tracker, &iommu_log_tracker};

const NamedValues<const TrackerInfo*>& tracker_table() {
  static const NamedValues<const TrackerInfo*> table = [] {
    NamedValues<const TrackerInfo*> t{};
    for (const TrackerInfo* info : kTrackers) t.add(info->name, info);
    return t;
  }();
  return table;
}
}  // namespace

std::vector<Range> mapped_spans(const IoPagetable& iopt) {
  std::vector<Range> spans;
  for (const auto& [iova, a] : iopt.areas()) {
    if (!spans.empty() && spans.back().end() == a.iova)
      spans.back().length += a.length;
    else
      spans.push_back({a.iova, a.length});
  }
  return spans;
}

std::span<const TrackerInfo* const> trackers() {
  return kTrackers;
}

const std::vector<std::string>& tracker_names() {
  static const std::vector<std::string> names = tracker_table().names();
  return names;
}

const TrackerInfo* read_tracker(ConfigReader& r, MigrationParams& p, const TrackerNames& n) {
  const TrackerInfo* t = r.choice("tracker", &iommu_tracker, tracker_table());
  if (t->read_keys) t->read_keys(r, p, n);
  return t;
}

}  // namespace sim
