#pragma once
// What a pre-copy live migration is asked to do (the `migrate` operation's arguments).
#include <cstdint>
#include <string>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/vmm/churn_params.h"
#include "models/base/units.h"

namespace sim {

struct TrackerInfo;

// tracker: device — what to do when a device's report fails (EIO after its log
// overflowed), and the re-arm negative control.
struct DeviceLogParams {
  enum class OnError { Fail, AllDirty, Ignore };
  OnError on_error = OnError::Fail;  // Ignore: a negative control
  bool rearm_each_round = false;     // stop-then-start before each round: a negative control
};

struct MigrationParams {
  std::string ioas;
  uint64_t page_size = 4096;  // the harvests' bitmap granule
  FlushConfig flush;
  bool pacing_fixed = false;  // rounds start `interval` apart instead of back to back
  Ps interval = 0;
  uint64_t copy_bandwidth = 10'000'000'000;  // bytes/s
  bool initial_copy_free = false;
  Ps downtime_limit = 300 * kMs;
  unsigned max_rounds = 30;
  bool stop_devices = true;              // false: a negative control
  bool final_no_clear = false;           // the final harvest leaves D bits set
  const TrackerInfo* tracker = nullptr;  // how dirty pages are found (tracker.h)
  DeviceLogParams device_log;
  bool log_overflow_ignore = false;  // tracker: iommu_log, on_overflow: ignore (negative control)
  unsigned split_shift = 0;          // split huge leaves to 2^split_shift before round 0 (0: no)
  ChurnParams churn;                 // mappings that change while the migration runs
};

}  // namespace sim
