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

  Ps book(Ps ready, Ps duration);
  Ps peek(Ps ready, Ps duration) const;
  void forget_before(Ps t);  // drops intervals that end at or before t
  size_t intervals() const { return busy_.size() - head_; }
  Ps busy_ps() const { return busy_total_; }

 private:
  struct Interval {
    Ps start, end;
  };
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
