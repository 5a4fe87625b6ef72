#pragma once
// The one event queue that orders everything that happens in a simulation.
//
// Results must not depend on the SystemC quantum or on SystemC's same-time process
// order, so every effect (a TLP reaching the IOMMU, an invalidation completing, the
// host CPU's next small operation) is an event here, run in strict (time, rank, seq)
// order. The SystemC shell only keeps sc_time_stamp() within a quantum of it.
//
// The queue is a binary heap whose key (time, then rank and seq packed in one word)
// compares as one 128-bit integer, inlined: every DMA TLP passes through here.
#include <cstdint>
#include <vector>

#include "models/base/units.h"

namespace sim {

// Ties at one picosecond: invalidations complete before the host acts, and the host
// acts before devices (so a harvest at t sees every completion at t but no DMA at t).
enum class Rank : uint8_t { InvalidationCompletion = 0, Timer = 1, Host = 2, Device = 3 };

// Something that reacts to its own events; `arg` is the target's own cookie.
class EventTarget {
 public:
  virtual ~EventTarget() = default;
  virtual void on_event(Ps now, uint64_t arg) = 0;
};

class Dispatcher {
 public:
  // Events at or after `end` never run.
  explicit Dispatcher(Ps end = ~Ps{0}) : end_(end) {}

  void schedule(Ps time, Rank rank, EventTarget* target, uint64_t arg = 0) {
    // Scheduling into the past would silently reorder effects: a model bug, never input.
    if (time < now_) [[unlikely]]
      scheduled_in_past();
    push({time, order(rank, seq_++), target, arg});
  }

  // An event whose place in the order is taken now but which its target may run
  // itself, saving a trip through the queue. A ticket must be claimed or committed
  // by its reserver before any event it could precede runs: in the handler that
  // reserved it, or in the handler of the event reserved just before it (sequence
  // one less) at its time and rank, which nothing else can come between.
  struct Ticket {
    Ps time;
    uint64_t order;
  };
  // Whether `a` runs before `b` in the (time, rank, seq) order.
  static bool before(const Ticket& a, const Ticket& b) {
    return key(a.time, a.order) < key(b.time, b.order);
  }
  Ticket reserve(Ps time, Rank rank) {
    if (time < now_) [[unlikely]]
      scheduled_in_past();
    return {time, order(rank, seq_++)};
  }
  // True, with now() at the ticket's time and the event counted as run, when no
  // queued event comes before it and it is before end(): the caller runs it now.
  bool claim(const Ticket& t) {
    if (t.time >= end_ || (!heap_.empty() && key(heap_[0]) < key(t.time, t.order))) return false;
    now_ = t.time;
    ++events_run_;
    return true;
  }
  // Queues a ticket as an ordinary event (one that could not be claimed).
  void commit(const Ticket& t, EventTarget* target, uint64_t arg) {
    push({t.time, t.order, target, arg});
  }

  Ps now() const { return now_; }
  Ps end() const { return end_; }
  bool empty() const { return heap_.empty(); }
  // Time of the next event that may run, or end() when none remains.
  Ps next_time() const {
    if (heap_.empty() || heap_[0].time >= end_) return end_;
    return heap_[0].time;
  }
  // Runs the next event; false when none remains before end().
  bool run_one() {
    if (heap_.empty() || heap_[0].time >= end_) return false;
    const Entry e = pop();
    now_ = e.time;
    ++events_run_;
    e.target->on_event(e.time, e.arg);
    return true;
  }
  // Runs every event strictly before `limit` (and before end()).
  void run_until(Ps limit) {
    while (!heap_.empty() && heap_[0].time < limit && run_one()) {
    }
  }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return heap_.size(); }

 private:
  struct Entry {
    Ps time;
    uint64_t order;  // rank in the top 8 bits, then the schedule sequence
    EventTarget* target;
    uint64_t arg;
  };
  static uint64_t order(Rank rank, uint64_t seq) { return (uint64_t(rank) << 56) | seq; }
  static unsigned __int128 key(Ps time, uint64_t order) {
    return (unsigned __int128)time << 64 | order;
  }
  static unsigned __int128 key(const Entry& e) { return key(e.time, e.order); }
  [[noreturn, gnu::cold]] static void scheduled_in_past();

  // Sift up from a new hole at the end.
  void push(const Entry& e) {
    size_t i = heap_.size();
    heap_.push_back(e);
    const unsigned __int128 k = key(e);
    while (i > 0) {
      const size_t p = (i - 1) / 2;
      if (key(heap_[p]) <= k) break;
      heap_[i] = heap_[p];
      i = p;
    }
    heap_[i] = e;
  }
  // Removes the root: its hole sinks along the smaller children, the last entry fills it.
  // Inline: every event.
  Entry pop() {
    const Entry top = heap_[0];
    const Entry last = heap_.back();
    heap_.pop_back();
    const size_t n = heap_.size();
    if (n == 0) return top;
    const unsigned __int128 k = key(last);
    size_t i = 0;
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && key(heap_[c + 1]) < key(heap_[c])) ++c;
      if (k <= key(heap_[c])) break;
      heap_[i] = heap_[c];
      i = c;
    }
    heap_[i] = last;
    return top;
  }

  std::vector<Entry> heap_;
  Ps now_ = 0;
  Ps end_;
  uint64_t seq_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace sim
