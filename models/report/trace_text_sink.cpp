#include "models/report/trace_text_sink.h"

#include <charconv>

namespace sim {

namespace {
void put_num(std::string& s, uint64_t v, int base) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, base);
  s.append(buf, p);
}
void put_field(std::string& s, const char* key, const TraceField& f) {
  s += ' ';
  s += key;
  s += '=';
  if (f.kind == TraceField::Dec)
    put_num(s, f.num, 10);
  else if (f.kind == TraceField::Hex) {
    s += "0x";
    put_num(s, f.num, 16);
  } else
    s += f.text;
}
}  // namespace

TraceTextSink::TraceTextSink(std::ostream& out) : out_(out) {
  out_ << "# iommu-sim trace v1\n";
}

std::string TraceTextSink::format(const TraceEvent& e) {
  std::string s;
  put_num(s, e.time, 10);
  s += ' ';
  s += e.component;
  s += ' ';
  s += e.event;
  for (const TraceField& f : e.fields) put_field(s, f.key, f);
  if (e.phase == TracePhase::Begin || e.phase == TracePhase::End) {
    s += " id=";
    put_num(s, e.id, 10);
  } else if (e.phase == TracePhase::Complete) {
    s += " dur=";
    put_num(s, e.dur, 10);
  }
  return s;
}

void TraceTextSink::write(const TraceEvent& e) {
  buf_ += format(e);
  buf_ += '\n';
  if (buf_.size() > (1u << 16)) {
    out_.write(buf_.data(), std::streamsize(buf_.size()));
    buf_.clear();
  }
}

void TraceTextSink::close() {
  out_.write(buf_.data(), std::streamsize(buf_.size()));
  buf_.clear();
  out_.flush();
}

}  // namespace sim
