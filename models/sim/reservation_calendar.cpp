#include "models/sim/reservation_calendar.h"

#include <iterator>

namespace sim {

size_t ReservationCalendar::upper(size_t from, Ps t) const {
  // Bookings land near the end (a memory channel keeps a millisecond of small
  // intervals, tens of thousands): gallop back from the end, then bisect the bracket.
  size_t hi = busy_.size(), lo = from;
  for (size_t step = 1; hi - from > step; step *= 2) {
    const size_t probe = hi - step;
    if (busy_[probe].start <= t) {
      lo = probe + 1;
      break;
    }
    hi = probe;  // every interval from here on starts after t
  }
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (busy_[mid].start > t)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

Ps ReservationCalendar::first_fit(Ps ready, Ps duration, size_t& i) const {
  Ps t = ready;
  i = upper(head_, t);
  if (i > head_ && busy_[i - 1].end > t) t = busy_[i - 1].end;
  for (; i < busy_.size(); ++i) {
    if (busy_[i].start >= t + duration) break;  // the gap before this interval fits
    if (busy_[i].end > t) t = busy_[i].end;
  }
  // Every interval before i starts before t: i is also the first to start after it.
  return t;
}

Ps ReservationCalendar::peek(Ps ready, Ps duration) const {
  if (duration == 0) return ready;
  if (head_ == busy_.size() || ready >= busy_.back().end) return ready;  // past every booking
  size_t i;
  return first_fit(ready, duration, i);
}

Ps ReservationCalendar::book_in_gap(Ps ready, Ps duration) {
  size_t i;
  const Ps booked = first_fit(ready, duration, i);
  busy_total_ += duration;
  const Ps end = booked + duration;
  if (i == busy_.size()) {  // no gap fits: after the last interval
    if (busy_.back().end == booked)
      busy_.back().end = end;
    else
      busy_.push_back({booked, end});
  } else {
    // In a gap before interval i (none starts at `booked`).
    const bool join_prev = i > head_ && busy_[i - 1].end == booked;
    const bool join_next = busy_[i].start == end;
    if (join_prev && join_next) {
      busy_[i - 1].end = busy_[i].end;
      busy_.erase(busy_.begin() + ptrdiff_t(i));
    } else if (join_prev) {
      busy_[i - 1].end = end;
    } else if (join_next) {
      busy_[i].start = booked;
    } else {
      busy_.insert(busy_.begin() + ptrdiff_t(i), {booked, end});
    }
  }
  maybe_forget(booked);
  return booked;
}

void ReservationCalendar::forget_before(Ps t) {
  while (head_ < busy_.size() && busy_[head_].end <= t) ++head_;
  if (head_ > busy_.size() / 2) {  // compact once the dead prefix is half the vector
    busy_.erase(busy_.begin(), busy_.begin() + ptrdiff_t(head_));
    head_ = 0;
  }
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
