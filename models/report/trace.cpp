#include "models/report/trace.h"

#include <algorithm>
#include <stdexcept>

namespace sim {

void TraceRecorder::record(Ps time, std::string_view component, std::string_view event,
                           std::vector<TraceField> fields, TracePhase phase, uint64_t id, Ps dur) {
  if (sinks_.empty()) return;
  if (!filter_.empty() && std::find(filter_.begin(), filter_.end(), component) == filter_.end())
    return;
  // An event before what was already written would break the (time, seq) promise.
  if (time < flushed_to_) throw std::logic_error("trace event recorded in the past");
  pending_.push(TraceEvent{time, seq_++, std::string(component), std::string(event), phase, id, dur,
                           std::move(fields)});
}

void TraceRecorder::emit(const TraceEvent& e) {
  for (auto& s : sinks_) s->write(e);
  ++written_;
}

void TraceRecorder::flush_before(Ps now) {
  while (!pending_.empty() && pending_.top().time < now) {
    emit(pending_.top());
    pending_.pop();
  }
}

void TraceRecorder::finish() {
  if (finished_) return;
  finished_ = true;
  while (!pending_.empty()) {
    emit(pending_.top());
    pending_.pop();
  }
  for (auto& s : sinks_) s->close();
}

}  // namespace sim
