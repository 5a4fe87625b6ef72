#pragma once
// A trace sink that keeps every event, and the latency of a DMA read off it.
#include <vector>

#include "models/trace.h"

namespace sim::test {

struct Capture : TraceSink {
  std::vector<TraceEvent> events;
  void write(const TraceEvent& e) override { events.push_back(e); }
  void close() override {}
  // Begin and End times of the DMA with this request id.
  std::pair<Ps, Ps> dma(uint64_t id) const {
    Ps b = 0, e = 0;
    for (const TraceEvent& ev : events)
      if (ev.event == "dma" && ev.id == id) (ev.phase == TracePhase::Begin ? b : e) = ev.time;
    return {b, e};
  }
};

}  // namespace sim::test
