// The endpoint's trace records (endpoint.h), out of the hot path's file and its line.
#include "pcie/endpoint.h"

namespace sim {

// The hot path's trace records, out of its line: their fields' code would otherwise
// cost every TLP something even with tracing off.
void Endpoint::trace_begin(const Request& r, const DmaJob& j, Ps now) const {
  trace_.record(now, component_, "dma",
                {TraceField::str("op", r.write ? "write" : "read"), TraceField::hex("iova", r.iova),
                 TraceField::dec("size", r.size), TraceField::str("job", j.config().name)},
                TracePhase::Begin, r.id);
}

void Endpoint::trace_tlp(const Tlp& tlp, bool fault, Ps now) const {
  trace_.record(
      now, component_, tlp.write ? "mwr" : "mrd",
      {TraceField::hex("addr", tlp.addr), TraceField::dec("len", tlp.len),
       TraceField::dec("id", tlp.request_id), TraceField::str("ok", fault ? "no" : "yes")});
}

void Endpoint::trace_end(const Request& r, Ps now) const {
  trace_.record(now, component_, "dma",
                {TraceField::str("op", r.write ? "write" : "read"),
                 TraceField::str("ok", r.faulted ? "no" : "yes")},
                TracePhase::End, r.id);
}

}  // namespace sim
