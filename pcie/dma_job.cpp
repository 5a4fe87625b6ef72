#include "pcie/dma_job.h"

#include <algorithm>
#include <cmath>

namespace sim {

DmaJob::DmaJob(const DmaJobConfig& c, uint64_t seed, const std::string& device)
    : c_(c),
      rng_(seed, "dev." + device + "." + c.name),
      replay_(c.replay),
      started_(c.start_after.empty()) {
  if (c.nic_mq)
    mq_ = std::make_shared<NicMultiQueue>(c.nic_mq, seed, "dev." + device + "." + c.name + ".mq");
  start_ = first_start_ = c.start;
  prepare();
}

void DmaJob::start_at(Ps at) {
  if (started_) return;
  started_ = true;
  start_ = first_start_ = at;
  prepare();
}

Ps DmaJob::schedule_time() const {
  Ps t = start_;
  if (replay_) t += (*replay_)[issued_].at;
  // Request n issues at start + n * size / rate, computed whole so it never drifts (a
  // NIC's packet n, its requests together).
  else if (c_.rate)
    t += transfer_ps(bytes_before(), c_.rate);
  return t;
}

// Zipf over the region's slots by the continuous inverse CDF: rank 0 is the hottest.
uint64_t DmaJob::zipf_slot(uint64_t slots) {
  const double u = rng_.unit(), n = double(slots), theta = c_.theta;
  double x = std::abs(theta - 1.0) < 1e-9
                 ? std::exp(u * std::log(n + 1))
                 : std::pow((std::pow(n + 1, 1 - theta) - 1) * u + 1, 1 / (1 - theta));
  return std::min<uint64_t>(slots - 1, uint64_t(x) - (x >= 1 ? 1 : 0));
}

void DmaJob::prepare() {
  if (c_.pattern == DmaPattern::Nic) {
    if (packet_step_ >= packet_requests_.size()) {
      if (!packet_requests_.empty()) {
        ++packet_;
        packet_bytes_ += packet_size_;
      }
      if (mq_) {
        packet_size_ = mq_->next_packet(packet_requests_);
      } else {
        nic_packet_requests(c_.nic, packet_, c_.size, packet_requests_);
        packet_size_ = c_.size;
      }
      packet_step_ = 0;
    }
    const NicRequest& r = packet_requests_[packet_step_];
    next_ = {r.write, r.iova, r.size, r.queue, r.slot, r.drop};
    due_ = schedule_time();
    if (!started_ || packet_step_ > 0) return;  // a packet is never cut short
    if (c_.count && packet_ >= c_.count) finished_ = true;
    if (c_.stop && next_time() >= c_.stop) finished_ = true;
    return;
  }
  if (replay_) {
    if (issued_ >= replay_->size()) {
      finished_ = true;
      return;
    }
    const ReplayRequest& r = (*replay_)[issued_];
    next_ = {r.write, r.iova, r.size};
  } else {
    uint64_t addr = c_.iova;
    if (!c_.one_shot) {
      switch (c_.pattern) {
        case DmaPattern::Sequential:
        case DmaPattern::Stride:
          if (cursor_ + c_.size > c_.length) cursor_ = 0;
          addr += cursor_;
          cursor_ += c_.pattern == DmaPattern::Stride ? c_.stride : c_.size;
          break;
        case DmaPattern::Random:
          addr += rng_.below(c_.length / c_.size) * c_.size;
          break;
        case DmaPattern::Zipf:
          addr += zipf_slot(c_.length / c_.size) * c_.size;
          break;
        case DmaPattern::Replay:
        case DmaPattern::Nic:
          break;
      }
    }
    next_ = {c_.write, addr, c_.size};
  }
  due_ = schedule_time();
  if (!started_) return;
  if (c_.count && issued_ >= c_.count) finished_ = true;
  if (c_.stop && next_time() >= c_.stop) finished_ = true;
}

void DmaJob::resume_at(Ps now) {
  if (!started_ || finished_ || next_time() >= now) return;
  if (c_.rate && !replay_) {
    const Ps behind = transfer_ps(bytes_before(), c_.rate);
    start_ = now > behind ? now - behind : 0;
  }
  hold_until(now);
  prepare();
}

void DmaJob::advance() {
  ++issued_;
  ++packet_step_;
  prepare();
}

}  // namespace sim
