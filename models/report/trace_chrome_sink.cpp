#include "models/report/trace_chrome_sink.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace sim {

namespace {
std::string us(Ps ps) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%llu.%06llu", (unsigned long long)(ps / kUs),
                (unsigned long long)(ps % kUs));
  return buf;
}
std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump();
}
}  // namespace

TraceChromeSink::TraceChromeSink(std::ostream& out) : out_(out) {
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
}

void TraceChromeSink::begin_event() {
  out_ << (first_ ? "\n" : ",\n");
  first_ = false;
}

unsigned TraceChromeSink::tid_of(const std::string& component) {
  auto [it, fresh] = tids_.try_emplace(component, unsigned(tids_.size() + 1));
  if (fresh) {
    begin_event();
    out_ << "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" << it->second
         << ",\"args\":{\"name\":" << quoted(component) << "}}";
  }
  return it->second;
}

void TraceChromeSink::write(const TraceEvent& e) {
  unsigned tid = tid_of(e.component);
  begin_event();
  const char* ph = "i";
  switch (e.phase) {
    case TracePhase::Instant:
      ph = "i";
      break;
    case TracePhase::Begin:
      ph = "b";
      break;
    case TracePhase::End:
      ph = "e";
      break;
    case TracePhase::Complete:
      ph = "X";
      break;
    case TracePhase::Counter:
      ph = "C";
      break;
  }
  out_ << "{\"name\":" << quoted(e.event) << ",\"cat\":" << quoted(e.component) << ",\"ph\":\""
       << ph << "\",\"ts\":" << us(e.time) << ",\"pid\":1,\"tid\":" << tid;
  if (e.phase == TracePhase::Begin || e.phase == TracePhase::End) out_ << ",\"id\":" << e.id;
  if (e.phase == TracePhase::Complete) out_ << ",\"dur\":" << us(e.dur);
  if (e.phase == TracePhase::Instant) out_ << ",\"s\":\"t\"";
  out_ << ",\"args\":{";
  bool first = true;
  for (const TraceField& f : e.fields) {
    out_ << (first ? "" : ",") << quoted(f.key) << ":";
    first = false;
    if (f.kind == TraceField::Dec)
      out_ << f.num;
    else if (f.kind == TraceField::Hex)
      out_ << quoted(hex(f.num));
    else
      out_ << quoted(f.text);
  }
  out_ << "}}";
}

void TraceChromeSink::close() {
  if (closed_) return;
  closed_ = true;
  out_ << "\n]}\n";
  out_.flush();
}

}  // namespace sim
