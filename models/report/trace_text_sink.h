#pragma once
// trace.txt: "# iommu-sim trace v1", then "TIME_PS COMPONENT EVENT k=v ..." per event,
// in (time, seq) order; no wall-clock time, paths or pointers, so CI compares bytes.
#include <ostream>
#include <string>

#include "models/report/trace.h"

namespace sim {

class TraceTextSink : public TraceSink {
 public:
  explicit TraceTextSink(std::ostream& out);
  void write(const TraceEvent& e) override;
  void close() override;
  static std::string format(const TraceEvent& e);  // one line, no newline

 private:
  std::ostream& out_;
  std::string buf_;
};

}  // namespace sim
