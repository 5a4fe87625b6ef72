#pragma once
// The SystemC face of the dispatcher: one thread that runs the event queue and keeps
// sc_time_stamp() within `quantum` of it. The quantum trades host speed for how far
// LT models run ahead; it never changes a result, because every effect is ordered by
// the dispatcher, not by SystemC's process order.
#include <systemc>

#include <functional>

#include "models/sim/dispatcher.h"

namespace sim {

class DispatcherTlm : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DispatcherTlm);
  DispatcherTlm(sc_core::sc_module_name name, Dispatcher& dispatcher, Ps quantum);

  // Runs first, inside the simulation (sockets are bound): host set-up at time 0.
  void on_start(std::function<void()> fn) { start_ = std::move(fn); }
  // Called after every event with the dispatcher's time (trace flushing, sampling).
  void on_progress(std::function<void(Ps)> fn) { progress_ = std::move(fn); }
  // When set, the run ends as soon as this returns true (end: auto).
  void stop_when(std::function<bool()> fn) { stop_when_ = std::move(fn); }
  uint64_t syncs() const { return syncs_; }

 private:
  void run();

  Dispatcher& d_;
  Ps quantum_;
  std::function<void()> start_;
  std::function<void(Ps)> progress_;
  std::function<bool()> stop_when_;
  uint64_t syncs_ = 0;
};

}  // namespace sim
