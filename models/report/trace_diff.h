#pragma once
// trace-diff: where two text traces first differ, with line numbers, optionally
// ignoring the time column or keeping one component's lines.
#include <cstdint>
#include <istream>
#include <string>

namespace sim {

struct TraceDiffOptions {
  bool ignore_time = false;
  std::string component;
};

struct TraceDiffResult {
  bool same = true;
  uint64_t line_a = 0, line_b = 0;
  uint64_t compared = 0;  // lines that passed the filter, in A and B together
  std::string text_a, text_b;
  std::string message;
};

TraceDiffResult trace_diff(std::istream& a, std::istream& b, const TraceDiffOptions& o);

}  // namespace sim
