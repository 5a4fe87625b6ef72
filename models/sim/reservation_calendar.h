#pragma once
// A shared resource's busy time (a link direction, the memory channel, a walker):
// a request ready at t gets the earliest gap of its duration at or after t, so
// requests that arrive out of time order still contend exactly.
#include <cstddef>
#include <vector>

#include "models/base/units.h"

namespace sim {

class ReservationCalendar {
 public:
  // Intervals ending this long before a new booking's start are dropped: no model
  // books a resource a whole millisecond before another booking of it, so memory
  // stays bounded over long runs without changing any answer.
  static constexpr Ps kHorizon = 1'000'000'000;  // 1 ms

  // Inline for the two common cases, a booking at or after every other and one queued
  // behind the last interval (a request's TLPs on its link, the memory channel's next
  // access): every DMA TLP books two.
  Ps book(Ps ready, Ps duration) {
    if (duration == 0) return ready;
    if (head_ < busy_.size() && ready < busy_.back().end) {
      // Inside the last interval: no gap can come before its end (what first_fit finds).
      if (ready < busy_.back().start) return book_in_gap(ready, duration);
      const Ps booked = busy_.back().end;
      busy_.back().end = booked + duration;
      busy_total_ += duration;
      maybe_forget(booked);
      return booked;
    }
    busy_total_ += duration;
    if (head_ < busy_.size() && busy_.back().end == ready)
      busy_.back().end = ready + duration;
    else
      busy_.push_back({ready, ready + duration});
    maybe_forget(ready);
    return ready;
  }
  Ps peek(Ps ready, Ps duration) const;
  void forget_before(Ps t);  // drops intervals that end at or before t
  size_t intervals() const { return busy_.size() - head_; }
  Ps busy_ps() const { return busy_total_; }

 private:
  struct Interval {
    Ps start, end;
  };
  // A booking that starts before the last interval ends: the earliest gap that fits.
  Ps book_in_gap(Ps ready, Ps duration);
  // Forgetting is answer-neutral (see kHorizon); a sweep every 1/16 horizon is enough.
  void maybe_forget(Ps booked) {
    if (intervals() > 256 && booked > forgot_at_ + kHorizon / 16 && booked > kHorizon)
        [[unlikely]] {
      forget_before(booked - kHorizon);
      forgot_at_ = booked;
    }
  }
  // The earliest start of a `duration` gap at or after `ready`, and in `i` the first
  // interval that starts after it (one search serves peek and book).
  Ps first_fit(Ps ready, Ps duration, size_t& i) const;
  // The first interval at or after index `from` whose start is above t.
  size_t upper(size_t from, Ps t) const;
  // Sorted by start, disjoint, merged when touching; [head_, size) are live. Most
  // bookings land at the end, so a vector beats a tree: no allocation per booking.
  std::vector<Interval> busy_;
  size_t head_ = 0;
  Ps busy_total_ = 0;
  Ps forgot_at_ = 0;  // the last booking that swept
};

class ReservationPool {
 public:
  explicit ReservationPool(unsigned servers) : servers_(servers ? servers : 1) {}
  Ps book(Ps ready, Ps duration);
  Ps peek(Ps ready, Ps duration) const;
  unsigned servers() const { return unsigned(servers_.size()); }

 private:
  size_t best(Ps ready, Ps duration, Ps& start) const;
  std::vector<ReservationCalendar> servers_;
};

}  // namespace sim
