#pragma once
// Picoseconds <-> sc_time. The kernel resolution is set to 1 ps at start-up, so
// sc_time values are exact integer picoseconds.
#include <systemc>

#include <cstring>
#include <type_traits>

#include "models/base/units.h"

namespace sim {

// sc_time is one integer count of the resolution; from_value() is an out-of-line
// library call (it also fixes the resolution, which start-up has done) and the DMA
// path builds three per TLP, so the count is stored directly.
static_assert(sizeof(sc_core::sc_time) == sizeof(sc_core::sc_time::value_type) &&
              std::is_standard_layout_v<sc_core::sc_time>);
inline sc_core::sc_time ps_to_sc(Ps ps) {
  sc_core::sc_time t;
  const sc_core::sc_time::value_type v = ps;
  std::memcpy(static_cast<void*>(&t), &v, sizeof v);
  return t;
}
inline Ps sc_to_ps(const sc_core::sc_time& t) {
  return t.value();
}
// The kernel's time, read inline: sc_time_stamp() is an out-of-line library call,
// and the DMA path asks several times per TLP.
inline Ps now_ps() {
  return sc_core::sc_get_curr_simcontext()->time_stamp().value();
}
// Absolute time of a transaction whose annotated delay is `delay` (LT timing).
inline Ps abs_ps(const sc_core::sc_time& delay) {
  return now_ps() + sc_to_ps(delay);
}
// The delay to annotate, at kernel time `now`, for an effect at absolute time `at`
// (never before now).
inline sc_core::sc_time delay_from(Ps now, Ps at) {
  return ps_to_sc(at > now ? at - now : 0);
}
inline sc_core::sc_time delay_until(Ps at) {
  return delay_from(now_ps(), at);
}

}  // namespace sim
