#include "models/report/trace_diff.h"

namespace sim {

namespace {

// The next line that passes the filter, as compared; false at end of input.
bool next_line(std::istream& in, const TraceDiffOptions& o, uint64_t& lineno, std::string& raw,
               std::string& key) {
  while (std::getline(in, raw)) {
    ++lineno;
    if (raw.empty() || raw[0] == '#') {
      if (!o.component.empty() || o.ignore_time) continue;
      key = raw;
      return true;
    }
    size_t sp1 = raw.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : raw.find(' ', sp1 + 1);
    if (!o.component.empty()) {
      if (sp1 == std::string::npos) continue;
      std::string comp = raw.substr(sp1 + 1, sp2 == std::string::npos ? sp2 : sp2 - sp1 - 1);
      if (comp != o.component) continue;
    }
    key = o.ignore_time && sp1 != std::string::npos ? raw.substr(sp1 + 1) : raw;
    return true;
  }
  return false;
}

}  // namespace

TraceDiffResult trace_diff(std::istream& a, std::istream& b, const TraceDiffOptions& o) {
  TraceDiffResult r;
  std::string ra, rb, ka, kb;
  for (;;) {
    bool ha = next_line(a, o, r.line_a, ra, ka);
    bool hb = next_line(b, o, r.line_b, rb, kb);
    r.compared += uint64_t(ha) + uint64_t(hb);
    if (!ha && !hb) {
      r.message = "traces are the same";
      return r;
    }
    if (ha && hb && ka == kb) continue;
    r.same = false;
    r.text_a = ha ? ra : "";
    r.text_b = hb ? rb : "";
    r.message = "first difference:\n  A line " + std::to_string(r.line_a) + ": " +
                (ha ? ra : "(end of file)") + "\n  B line " + std::to_string(r.line_b) + ": " +
                (hb ? rb : "(end of file)");
    return r;
  }
}

}  // namespace sim
