#pragma once
// One DMA job's stream of requests: where the next request goes (its pattern) and
// when it may issue (start, rate, stop, count, or a replayed trace). Addresses come
// from the job's own random stream, so adding a job never changes another's.
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "models/base/rng.h"
#include "pcie/device_config.h"
#include "pcie/replay_trace.h"

namespace sim {

inline constexpr Ps kNever = std::numeric_limits<Ps>::max();

class DmaJob {
 public:
  struct Request {
    bool write;
    uint64_t iova, size;
    int32_t queue = -1;  // mapped NIC buffers (NicRequest)
    uint32_t slot = 0;
    bool drop = false;
  };

  DmaJob(const DmaJobConfig& c, uint64_t seed, const std::string& device);

  const DmaJobConfig& config() const { return c_; }
  // Earliest time of the next request; kNever when finished or not started. Inline:
  // the endpoint asks it of every job twice a request.
  Ps next_time() const {
    if (!started_ || finished_) return kNever;
    return due_ > hold_ ? due_ : hold_;
  }
  const Request& peek() const { return next_; }
  bool finished() const { return finished_; }
  bool waiting_for_step() const { return !started_; }
  Ps started_at() const { return first_start_; }
  NicMultiQueue* nic_queues() const { return mq_.get(); }  // pattern nic_mq_rx
  void start_at(Ps at);  // the step this job waits for ended at `at`
  void hold_until(Ps t) { hold_ = t > hold_ ? t : hold_; }  // link busy at rate: max
  // After a stop: the next request is due at `now` at the earliest, and a rate
  // stream continues its spacing from there instead of catching up.
  void resume_at(Ps now);
  void advance();  // past the request peek() shows: the stream's next one
  uint64_t issued() const { return issued_; }  // requests (NIC jobs: packets started)
  // The rate schedule's byte count before the next request (NIC jobs: before its packet).
  uint64_t bytes_before() const {
    return c_.pattern == DmaPattern::Nic ? packet_bytes_ : issued_ * c_.size;
  }

 private:
  void prepare();            // computes next_, due_ and whether the job is finished
  Ps schedule_time() const;  // the next request's time by start and rate (or replay)
  uint64_t zipf_slot(uint64_t slots);

  DmaJobConfig c_;
  Rng rng_;
  std::shared_ptr<const std::vector<ReplayRequest>> replay_;
  bool started_;
  Ps start_ = 0;        // the rate schedule's origin (moves on resume)
  Ps first_start_ = 0;  // when the job first started (goodput's origin)
  Ps hold_ = 0;
  uint64_t issued_ = 0;
  uint64_t cursor_ = 0;
  // NIC jobs: the packet being sent and its requests still to go.
  uint64_t packet_ = 0;
  uint64_t packet_bytes_ = 0;  // bytes of the packets before packet_ (the rate's clock)
  uint64_t packet_size_ = 0;
  std::shared_ptr<NicMultiQueue> mq_;  // pattern nic_mq_rx: its queues and pools
  std::vector<NicRequest> packet_requests_;
  size_t packet_step_ = 0;
  Request next_{true, 0, 0};
  // schedule_time() of next_, kept: the endpoint asks for next_time() several times
  // per request, and the rate's 128-bit division is worth doing once.
  Ps due_ = 0;
  bool finished_ = false;
};

}  // namespace sim
