#include "models/sim/dispatcher.h"

#include <algorithm>
#include <stdexcept>

namespace sim {

void Dispatcher::schedule(Ps time, Rank rank, EventTarget* target, uint64_t arg) {
  // Scheduling into the past would silently reorder effects: a model bug, never input.
  if (time < now_) throw std::logic_error("event scheduled in the past");
  heap_.push_back({time, (uint64_t(rank) << 56) | seq_++, target, arg});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

Ps Dispatcher::next_time() const {
  if (heap_.empty() || heap_.front().time >= end_) return end_;
  return heap_.front().time;
}

bool Dispatcher::run_one() {
  if (heap_.empty() || heap_.front().time >= end_) return false;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Entry e = heap_.back();
  heap_.pop_back();
  now_ = e.time;
  ++events_run_;
  e.target->on_event(e.time, e.arg);
  return true;
}

void Dispatcher::run_until(Ps limit) {
  while (!heap_.empty() && heap_.front().time < limit && run_one()) {
  }
}

}  // namespace sim
