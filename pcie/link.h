#pragma once
// A PCIe link's timing after the pcie-bench model: raw rate from generation, lanes
// and encoding, derated for ACK and flow-control DLLPs and SKIP ordered sets (the
// spec's recommended rates); per-TLP framing and header bytes; one reservation
// calendar per direction so requests and completions contend exactly.
#include <cstdint>

#include "models/base/units.h"
#include "models/report/timeseries.h"
#include "models/sim/reservation_calendar.h"
#include "pcie/pcie_config.h"

namespace sim {

// Wire bytes of each TLP kind beyond its payload (framing + DLLP + TLP header [+ ECRC]).
struct TlpOverheads {
  unsigned mwr, mrd, cpld;
};
TlpOverheads tlp_overheads(const PcieConfig& c);

// Rates as exact fractions of bits per second.
struct LinkRates {
  unsigned __int128 raw_num, raw_den;  // raw bytes/s = num / den
  unsigned __int128 tlp_num, tlp_den;  // TLP-layer bytes/s after DLLP and SKIP overhead
  double raw_gbps() const;
  double tlp_gbps() const;
};
LinkRates link_rates(const PcieConfig& c);

// One direction of a link: serialisation at the TLP-layer rate, booked in a calendar.
class LinkDirection {
 public:
  explicit LinkDirection(const LinkRates& r) : clock_(r.tlp_num, r.tlp_den) {}
  // Books `wire_bytes` at or after `ready`; returns when the TLP has fully arrived.
  // Inline: every TLP. The fraction of a picosecond left by one TLP carries into the
  // next, so a long back-to-back stream takes exactly bytes / rate.
  Ps send(Ps ready, uint64_t wire_bytes) {
    const Ps d = clock_.advance(wire_bytes);
    ++tlps_;
    wire_bytes_ += wire_bytes;
    const Ps end = calendar_.book(ready, d) + d;
    if (series_) series_->add(end, double(wire_bytes));
    return end;
  }
  Ps duration(uint64_t wire_bytes) const { return clock_.duration(wire_bytes); }
  uint64_t tlps() const { return tlps_; }
  uint64_t wire_bytes() const { return wire_bytes_; }
  Ps busy_ps() const { return calendar_.busy_ps(); }
  // Wire bytes also go into this series (timeseries.csv), at their arrival.
  void observe(TimeSeries::Series* s) { series_ = s; }

 private:
  RateClock clock_;  // at the TLP-layer rate
  ReservationCalendar calendar_;
  uint64_t tlps_ = 0, wire_bytes_ = 0;
  TimeSeries::Series* series_ = nullptr;
};

}  // namespace sim
