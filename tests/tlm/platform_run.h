#pragma once
// The assembled platform run from scenario text, its trace kept in memory, for TLM
// module tests (one simulation per process).
#include <memory>
#include <string>
#include <vector>

#include "platform/platform_tlm.h"

namespace sim::test {

struct Capture : TraceSink {
  std::vector<TraceEvent> events;
  void write(const TraceEvent& e) override { events.push_back(e); }
  void close() override {}
};

struct PlatformRun {
  Scenario s;
  TraceRecorder trace;
  Capture* cap;
  std::unique_ptr<Platform> p;
  explicit PlatformRun(const std::string& yaml) {
    ConfigDoc doc = ConfigDoc::from_string(yaml, "t.yaml");
    s = load_scenario(doc);
    auto c = std::make_unique<Capture>();
    cap = c.get();
    trace.add_sink(std::move(c));
    p = std::make_unique<Platform>(s, trace);
    p->run();
  }
  // Begin and End times of the DMA with this request id.
  std::pair<Ps, Ps> dma(uint64_t id) const {
    Ps b = 0, e = 0;
    for (const TraceEvent& ev : cap->events)
      if (ev.event == "dma" && ev.id == id) (ev.phase == TracePhase::Begin ? b : e) = ev.time;
    return {b, e};
  }
  Ps latency(uint64_t id) const { return dma(id).second - dma(id).first; }
  int64_t stat(const std::string& n) const { return std::get<int64_t>(*p->stats().get(n)); }
};

}  // namespace sim::test
