#pragma once
// The one event queue that orders everything that happens in a simulation.
//
// Results must not depend on the SystemC quantum or on SystemC's same-time process
// order, so every effect (a TLP reaching the IOMMU, an invalidation completing, the
// host CPU's next small operation) is an event here, run in strict (time, rank, seq)
// order. The SystemC shell only keeps sc_time_stamp() within a quantum of it.
#include <cstdint>
#include <vector>

#include "models/base/units.h"

namespace sim {

// Ties at one picosecond: invalidations complete before the host acts, and the host
// acts before devices (so a harvest at t sees every completion at t but no DMA at t).
enum class Rank : uint8_t { InvalidationCompletion = 0, Timer = 1, Host = 2, Device = 3 };

// Something that reacts to its own events; `arg` is the target's own cookie.
class EventTarget {
 public:
  virtual ~EventTarget() = default;
  virtual void on_event(Ps now, uint64_t arg) = 0;
};

class Dispatcher {
 public:
  // Events at or after `end` never run.
  explicit Dispatcher(Ps end = ~Ps{0}) : end_(end) {}

  void schedule(Ps time, Rank rank, EventTarget* target, uint64_t arg = 0);

  Ps now() const { return now_; }
  Ps end() const { return end_; }
  bool empty() const { return heap_.empty(); }
  // Time of the next event that may run, or end() when none remains.
  Ps next_time() const;
  // Runs the next event; false when none remains before end().
  bool run_one();
  // Runs every event strictly before `limit` (and before end()).
  void run_until(Ps limit);
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return heap_.size(); }

 private:
  struct Entry {
    Ps time;
    uint64_t order;  // rank in the top 8 bits, then the schedule sequence
    EventTarget* target;
    uint64_t arg;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time > b.time : a.order > b.order;
  }

  std::vector<Entry> heap_;
  Ps now_ = 0;
  Ps end_;
  uint64_t seq_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace sim
