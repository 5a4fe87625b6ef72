#pragma once
// The trace recorder. Components know some effects' times ahead (a walk that
// completes in the future), so events may arrive out of time order; a reorder buffer
// hands them to the sinks in (time, seq) order once the dispatcher has passed them.
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "models/base/units.h"

// 0 (cmake -DSIM_TRACE=OFF) compiles tracing out, to measure what it costs when off.
#ifndef SIM_TRACE
#define SIM_TRACE 1
#endif

namespace sim {

// One key=value of an event: decimal, hex ("0x3000") or text.
struct TraceField {
  enum Kind : uint8_t { Dec, Hex, Text };
  const char* key;
  Kind kind;
  uint64_t num;
  std::string text;
  static TraceField dec(const char* k, uint64_t v) { return {k, Dec, v, {}}; }
  static TraceField hex(const char* k, uint64_t v) { return {k, Hex, v, {}}; }
  static TraceField str(const char* k, std::string v) { return {k, Text, 0, std::move(v)}; }
};

// Begin/End pair by (component, id) (Chrome async); Complete has a duration;
// Counter's fields are the series values.
enum class TracePhase : uint8_t { Instant, Begin, End, Complete, Counter };

struct TraceEvent {
  Ps time;
  uint64_t seq;
  std::string component;
  std::string event;
  TracePhase phase;
  uint64_t id;
  Ps dur;
  std::vector<TraceField> fields;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void write(const TraceEvent&) = 0;
  virtual void close() = 0;
};

class TraceRecorder {
 public:
  static constexpr bool kCompiledIn = SIM_TRACE != 0;
  // No sinks: disabled, and callers skip building fields (`if (trace.enabled())`).
  // Compiled out, a constant false: those blocks vanish, and sinks are dropped.
  // One flag, and expected false: the compiler moves each traced block out of the hot
  // path's straight line.
  bool enabled() const { return __builtin_expect(kCompiledIn && on_, 0); }
  void add_sink(std::unique_ptr<TraceSink> s) {
    if (!kCompiledIn) return;
    sinks_.push_back(std::move(s));
    on_ = true;
  }
  void set_filter(std::vector<std::string> components) { filter_ = std::move(components); }
  void record(Ps time, std::string_view component, std::string_view event,
              std::vector<TraceField> fields, TracePhase phase = TracePhase::Instant,
              uint64_t id = 0, Ps dur = 0);
  // Everything earlier than `now` is final: write it out. Inline: the dispatcher's
  // shell calls it after every event, and usually nothing is pending.
  void advance(Ps now) {
    if (now > flushed_to_) flushed_to_ = now;
    if (!pending_.empty()) flush_before(now);
  }
  void finish();
  uint64_t events_written() const { return written_; }

 private:
  struct Later {
    bool operator()(const TraceEvent& a, const TraceEvent& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  void emit(const TraceEvent& e);
  void flush_before(Ps now);

  std::vector<std::unique_ptr<TraceSink>> sinks_;
  bool on_ = false;  // a sink is attached
  std::vector<std::string> filter_;
  std::priority_queue<TraceEvent, std::vector<TraceEvent>, Later> pending_;
  Ps flushed_to_ = 0;
  uint64_t seq_ = 0;
  uint64_t written_ = 0;
  bool finished_ = false;
};

}  // namespace sim
