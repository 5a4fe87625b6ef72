#pragma once
// What a pre-copy live migration is asked to do (the `migrate` operation's arguments).
#include <cstdint>
#include <string>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/vmm/churn_params.h"
#include "models/base/units.h"

namespace sim {

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
  bool stop_devices = true;     // false: a negative control
  bool final_no_clear = false;  // the final harvest leaves D bits set
  bool tracker_type1 = false;   // VFIO type1 dirty tracking: no D bits, everything mapped
  unsigned split_shift = 0;     // split huge leaves to 2^split_shift before round 0 (0: no)
  ChurnParams churn;            // mappings that change while the migration runs
};

}  // namespace sim
