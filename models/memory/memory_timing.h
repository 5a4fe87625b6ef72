#pragma once
// When a memory access completes: a fixed latency plus a slot on one bandwidth
// channel shared by every access (DMA data, page-walk reads), booked in a calendar.
#include <utility>

#include "models/base/units.h"
#include "models/sim/reservation_calendar.h"

namespace sim {

class MemoryTiming {
 public:
  // `write_latency`: until a DMA write is visible to every reader (0: `latency`).
  MemoryTiming(Ps latency, uint64_t bytes_per_s, Ps write_latency = 0)
      : latency_(latency),
        write_latency_(write_latency ? write_latency : latency),
        rate_(bytes_per_s) {}
  // Completion time of an access of `bytes` issued at t.
  Ps access(Ps t, uint64_t bytes, bool write = false) {
    // Accesses come in few sizes, interleaved (a TLP's and a packet's last, a PTE's):
    // the last two sizes' times are kept, and the 128-bit division runs for another.
    if (bytes != sizes_[0]) {
      if (bytes == sizes_[1]) {
        std::swap(sizes_[0], sizes_[1]);
        std::swap(times_[0], times_[1]);
      } else {
        sizes_[1] = sizes_[0];
        times_[1] = times_[0];
        sizes_[0] = bytes;
        times_[0] = transfer_ps(bytes, rate_);
      }
    }
    const Ps d = times_[0];
    return channel_.book(t, d) + d + (write ? write_latency_ : latency_);
  }
  Ps latency() const { return latency_; }
  ReservationCalendar& channel() { return channel_; }

 private:
  Ps latency_, write_latency_;
  uint64_t rate_;
  uint64_t sizes_[2] = {0, 0};  // the two latest sizes, the latest first
  Ps times_[2] = {0, 0};        // their transfer times (0 bytes take 0)
  ReservationCalendar channel_;
};

}  // namespace sim
