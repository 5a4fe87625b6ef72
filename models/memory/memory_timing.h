#pragma once
// When a memory access completes: a fixed latency plus a slot on one bandwidth
// channel shared by every access (DMA data, page-walk reads), booked in a calendar.
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
    // Accesses come in few sizes (a TLP's, a PTE's): the division only when it changes.
    if (bytes != last_bytes_) {
      last_bytes_ = bytes;
      last_ps_ = transfer_ps(bytes, rate_);
    }
    const Ps d = last_ps_;
    return channel_.book(t, d) + d + (write ? write_latency_ : latency_);
  }
  Ps latency() const { return latency_; }
  ReservationCalendar& channel() { return channel_; }

 private:
  Ps latency_, write_latency_;
  uint64_t rate_;
  uint64_t last_bytes_ = 0;
  Ps last_ps_ = 0;
  ReservationCalendar channel_;
};

}  // namespace sim
