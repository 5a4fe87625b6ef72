#include "pcie/dma_job.h"

#include <algorithm>

namespace sim {

DmaJob::DmaJob(const DmaJobConfig& c, uint64_t seed, const std::string& device)
    : c_(c), rng_(seed, "dev." + device + "." + c.name), started_(c.start_after.empty()) {
  start_ = c.start;
  update_finished();
}

void DmaJob::start_at(Ps at) {
  if (started_) return;
  started_ = true;
  start_ = at;
  update_finished();
}

Ps DmaJob::next_time() const {
  if (!started_ || finished_) return kNever;
  // Request n issues at start + n * size / rate, computed whole so it never drifts.
  Ps t = start_;
  if (c_.rate) t += transfer_ps(issued_ * c_.size, c_.rate);
  return std::max(t, hold_);
}

void DmaJob::update_finished() {
  if (!started_) return;
  if (c_.count && issued_ >= c_.count) finished_ = true;
  if (c_.stop && next_time() >= c_.stop) finished_ = true;
}

uint64_t DmaJob::take() {
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
    }
  }
  ++issued_;
  update_finished();
  return addr;
}

}  // namespace sim
