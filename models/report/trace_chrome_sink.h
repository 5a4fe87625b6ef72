#pragma once
// trace.json: Chrome Trace Event format for ui.perfetto.dev. Async b/e for
// overlapping DMAs, X for busy spans, i for instants, C for counters; ts and dur in
// microseconds printed from integer picoseconds (6 decimals, exact).
#include <map>
#include <ostream>
#include <string>

#include "models/report/trace.h"

namespace sim {

class TraceChromeSink : public TraceSink {
 public:
  explicit TraceChromeSink(std::ostream& out);
  void write(const TraceEvent& e) override;
  void close() override;

 private:
  unsigned tid_of(const std::string& component);
  void begin_event();

  std::ostream& out_;
  std::map<std::string, unsigned> tids_;
  bool first_ = true;
  bool closed_ = false;
};

}  // namespace sim
