// tracker: auto — QEMU's choice: device DMA logging when every device attached to the
// IOAS supports it, else the IOMMU's dirty bits. The choice is made when the migration
// starts and recorded as `migration.auto_tracker.<name>` (the summary prints it).
#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"

namespace sim {

extern const TrackerInfo device_tracker, iommu_tracker;

namespace {

std::unique_ptr<DirtyTracker> make_auto(Host& h, const MigrationParams& p) {
  const std::vector<std::string> devices = h.ioas_devices(p.ioas);
  bool all = !devices.empty();
  for (const std::string& d : devices) {
    const HardwareInfo::Device* info = h.device_info(d);
    all &= info && info->dma_logging;
  }
  const TrackerInfo& chosen = all ? device_tracker : iommu_tracker;
  ++h.tracker_counter("migration.auto_tracker." + std::string(chosen.name));
  return chosen.make(h, p);
}

void prepare_auto(Host& h) {
  for (const TrackerInfo* t : {&device_tracker, &iommu_tracker}) {
    if (t->prepare) t->prepare(h);
    h.tracker_counter("migration.auto_tracker." + std::string(t->name), "count",
                      "migrations whose `tracker: auto` chose it");
  }
}

}  // namespace

// It may choose the device tracker, so it reads that one's keys.
extern const TrackerInfo auto_tracker{
    "auto", make_auto,
    [](ConfigReader& r, MigrationParams& p, const TrackerNames& n) {
      device_tracker.read_keys(r, p, n);
    },
    prepare_auto};

}  // namespace sim
