#include "host-sw/iommufd/veventq.h"

namespace sim {

void Veventq::queue(Vevent v) {
  // iommufd_vevent_handler: the header leaves the tail whatever comes next (it may be
  // the header again, with a new sequence number).
  if (lost_queued_) {
    deliver_.pop_back();
    lost_queued_ = false;
  }
  v.sequence = sequence_;
  sequence_ = (sequence_ + 1) & kMaxSequence;
  lost_queued_ = v.lost;
  deliver_.push_back(std::move(v));
}

Errno Veventq::report(std::vector<uint8_t> data, bool no_memory) {
  if (num_events_ == depth_ || no_memory) {
    queue(Vevent{true, 0, {}});
    return num_events_ == depth_ ? Errno::Ok : Errno::Enomem;
  }
  ++num_events_;
  queue(Vevent{false, 0, std::move(data)});
  return Errno::Ok;
}

uint64_t Veventq::read(uint64_t count, std::vector<Vevent>& out) {
  uint64_t done = 0;
  while (!deliver_.empty()) {
    const Vevent& cur = deliver_.front();
    // The header must fit, then (an event) the header and its data.
    if (done >= count || kHeaderBytes > count - done) break;
    if (!cur.lost && kHeaderBytes + cur.data.size() > count - done) break;
    done += kHeaderBytes + cur.data.size();
    if (cur.lost)
      lost_queued_ = false;
    else
      --num_events_;
    out.push_back(std::move(deliver_.front()));
    deliver_.pop_front();
  }
  return done;
}

}  // namespace sim
