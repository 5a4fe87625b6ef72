#pragma once
// One DMA job's stream of requests: where the next request goes (its pattern) and
// when it may issue (start, rate, stop, count). Addresses come from the job's own
// random stream, so adding a job never changes another's.
#include <cstdint>
#include <limits>

#include "models/rng.h"
#include "pcie/device_config.h"

namespace sim {

inline constexpr Ps kNever = std::numeric_limits<Ps>::max();

class DmaJob {
 public:
  DmaJob(const DmaJobConfig& c, uint64_t seed, const std::string& device);

  const DmaJobConfig& config() const { return c_; }
  // Earliest time of the next request; kNever when finished or not started.
  Ps next_time() const;
  bool finished() const { return finished_; }
  bool waiting_for_step() const { return !started_; }
  Ps started_at() const { return start_; }
  // The step this job waits for ended at `at`.
  void start_at(Ps at);
  // The next request is not before t (link busy at rate: max).
  void hold_until(Ps t) { hold_ = t > hold_ ? t : hold_; }
  // Takes the next request's address and advances the stream.
  uint64_t take();
  uint64_t issued() const { return issued_; }

 private:
  void update_finished();

  DmaJobConfig c_;
  Rng rng_;
  bool started_;
  Ps start_ = 0;
  Ps hold_ = 0;
  uint64_t issued_ = 0;
  uint64_t cursor_ = 0;
  bool finished_ = false;
};

}  // namespace sim
