#include "models/tlm/dispatcher_tlm.h"

#include "models/tlm/sim_time_tlm.h"

namespace sim {

DispatcherTlm::DispatcherTlm(sc_core::sc_module_name name, Dispatcher& dispatcher, Ps quantum)
    : sc_module(name), d_(dispatcher), quantum_(quantum) {
  SC_THREAD(run);
}

void DispatcherTlm::run() {
  if (start_) start_();
  for (;;) {
    if (stop_when_ && stop_when_()) break;
    const Ps next = d_.next_time();
    if (next >= d_.end()) break;
    const Ps now = now_ps();
    // Let SystemC time catch up only when the dispatcher would run more than a
    // quantum ahead of it; with quantum 0 every event runs at its own sc time.
    if (next > now + quantum_ || (quantum_ == 0 && next > now)) {
      wait(ps_to_sc(next - now));
      ++syncs_;
    }
    d_.run_one();
    if (progress_) progress_(d_.now());
  }
  if (progress_) progress_(d_.now());
  sc_core::sc_stop();
}

}  // namespace sim
