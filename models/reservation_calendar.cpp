#include "models/reservation_calendar.h"

#include <iterator>

namespace sim {

Ps ReservationCalendar::peek(Ps ready, Ps duration) const {
  if (duration == 0) return ready;
  Ps t = ready;
  auto it = busy_.upper_bound(t);
  if (it != busy_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > t) t = prev->second;
  }
  for (; it != busy_.end(); ++it) {
    if (it->first >= t + duration) break;  // the gap before this interval fits
    if (it->second > t) t = it->second;
  }
  return t;
}

Ps ReservationCalendar::book(Ps ready, Ps duration) {
  const Ps booked = peek(ready, duration);
  if (duration == 0) return booked;
  Ps start = booked, end = booked + duration;
  busy_total_ += duration;
  auto next = busy_.lower_bound(start);
  // Merge with a neighbour that ends exactly where this starts, or starts where it ends.
  if (next != busy_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      start = prev->first;
      busy_.erase(prev);
    }
  }
  if (next != busy_.end() && next->first == end) {
    end = next->second;
    busy_.erase(next);
  }
  busy_[start] = end;
  if (busy_.size() > 256 && booked > kHorizon) forget_before(booked - kHorizon);
  return booked;
}

void ReservationCalendar::forget_before(Ps t) {
  auto it = busy_.begin();
  while (it != busy_.end() && it->second <= t) it = busy_.erase(it);
}

size_t ReservationPool::best(Ps ready, Ps duration, Ps& start) const {
  size_t idx = 0;
  start = servers_[0].peek(ready, duration);
  for (size_t i = 1; i < servers_.size(); ++i) {
    Ps s = servers_[i].peek(ready, duration);
    if (s < start) {
      start = s;
      idx = i;
    }
  }
  return idx;
}

Ps ReservationPool::peek(Ps ready, Ps duration) const {
  Ps start;
  best(ready, duration, start);
  return start;
}

Ps ReservationPool::book(Ps ready, Ps duration) {
  Ps start;
  size_t i = best(ready, duration, start);
  servers_[i].book(ready, duration);
  return start;
}

}  // namespace sim
