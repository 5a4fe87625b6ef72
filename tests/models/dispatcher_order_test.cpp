// The dispatcher's heap against a reference that finds the least (time, rank, seq) by
// scanning: random schedules, with ties in time and rank, far-future events, events at
// the end, and tickets claimed or committed, must run in the same order.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "models/sim/dispatcher.h"

using namespace sim;

namespace {

// The order spelled out: every pending event in a list, the least found by a scan.
class Reference {
 public:
  using Ticket = Dispatcher::Ticket;
  explicit Reference(Ps end) : end_(end) {}
  void schedule(Ps time, Rank rank, EventTarget* target, uint64_t arg = 0) {
    q_.push_back({time, uint8_t(rank), seq_++, target, arg});
  }
  Ticket reserve(Ps time, Rank rank) { return {time, (uint64_t(rank) << 56) | seq_++}; }
  bool claim(const Ticket& t) {
    if (t.time >= end_) return false;
    for (const E& e : q_)
      if (std::tie(e.time, e.rank, e.seq) <
          std::make_tuple(t.time, uint8_t(t.order >> 56), t.order & ((1ull << 56) - 1)))
        return false;
    now_ = t.time;
    return true;
  }
  void commit(const Ticket& t, EventTarget* target, uint64_t arg) {
    q_.push_back({t.time, uint8_t(t.order >> 56), t.order & ((1ull << 56) - 1), target, arg});
  }
  bool run_one() {
    if (q_.empty()) return false;
    auto it = std::min_element(q_.begin(), q_.end(), [](const E& a, const E& b) {
      return std::tie(a.time, a.rank, a.seq) < std::tie(b.time, b.rank, b.seq);
    });
    if (it->time >= end_) return false;
    const E e = *it;
    q_.erase(it);
    now_ = e.time;
    e.target->on_event(e.time, e.arg);
    return true;
  }
  Ps now() const { return now_; }

 private:
  struct E {
    Ps time;
    uint8_t rank;
    uint64_t seq;
    EventTarget* target;
    uint64_t arg;
  };
  std::vector<E> q_;
  Ps now_ = 0, end_;
  uint64_t seq_ = 0;
};

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Each event's reaction is a function of its own id, so both queues get the same
// program; the log of (time, id) is what must agree.
template <class Q>
struct Program : EventTarget {
  Q& q;
  Ps end;
  uint64_t next_id = 1, budget;
  std::vector<std::pair<Ps, uint64_t>> log;
  std::map<uint64_t, typename Q::Ticket> held;  // tickets held for the event just before them
  Program(Q& queue, Ps e, uint64_t n) : q(queue), end(e), budget(n) {}

  Ps pick_time(Ps now, uint64_t r) const {
    switch (r % 8) {
      case 0:
      case 1:
        return now;  // same time: rank and sequence decide
      case 2:
        return now + 1;
      case 3:
        return end == ~Ps{0} ? now + (Ps(1) << 50) : end;  // far future, or exactly the end
      case 4:
        return end == ~Ps{0} || end < 10 ? now + 5 : std::max(now, end - 3);
      default:
        return now + (r >> 8) % 1000;
    }
  }
  void run(Ps now, uint64_t id) {
    log.push_back({now, id});
    auto h = held.find(id);
    if (h != held.end()) {  // this event holds the next one's ticket
      const auto t = h->second;
      const uint64_t tid = h->first + 1;
      held.erase(h);
      if (q.claim(t))
        run(q.now(), tid);
      else
        q.commit(t, this, tid);
    }
    uint64_t r = mix(id * 7919 + 13);
    const unsigned children = budget == 0 ? 0 : unsigned(r % 3);
    for (unsigned c = 0; c < children && budget; ++c) {
      --budget;  // before any inline run below spends from it
      r = mix(r);
      const Ps t = pick_time(q.now(), r);  // a claimed ticket may have moved time on
      const Rank rank = Rank(unsigned(r >> 20) % 4);
      const unsigned how = unsigned(r >> 24) % 6;
      if (how == 0) {  // a ticket claimed or committed here
        const auto tk = q.reserve(t, rank);
        const uint64_t tid = next_id++;
        if (q.claim(tk))
          run(q.now(), tid);
        else
          q.commit(tk, this, tid);
      } else if (how == 1 && budget > 0) {  // an event holding its successor's ticket
        const uint64_t a = next_id++;
        q.schedule(t, rank, this, a);
        held[a] = q.reserve(t, rank);
        ++next_id;
        --budget;
      } else {
        q.schedule(t, rank, this, next_id++);
      }
    }
  }
  void on_event(Ps now, uint64_t arg) override { run(now, arg); }
};

template <class Q>
std::vector<std::pair<Ps, uint64_t>> play(uint64_t seed, Ps end, uint64_t n) {
  Q q(end);
  Program<Q> p(q, end, n);
  for (uint64_t i = 0; i < 8; ++i) {
    const uint64_t r = mix(seed * 31 + i);
    q.schedule((r >> 8) % 50, Rank(r % 4), &p, p.next_id++);
  }
  while (q.run_one()) {
  }
  return p.log;
}

}  // namespace

TEST_CASE("the heap runs random schedules in the reference's (time, rank, seq) order") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Ps end = seed % 3 == 0 ? ~Ps{0} : Ps(200 + mix(seed) % 5000);
    const auto want = play<Reference>(seed, end, 1500);
    const auto got = play<Dispatcher>(seed, end, 1500);
    CAPTURE(seed);
    REQUIRE(want.size() > 8);
    CHECK(got == want);
  }
}

TEST_CASE("a ticket is claimed only when nothing queued comes first") {
  Dispatcher d(100);
  struct Nop : EventTarget {
    void on_event(Ps, uint64_t) override {}
  } nop;
  d.schedule(10, Rank::Device, &nop);
  const auto later = d.reserve(10, Rank::Device);  // after the queued one (higher seq)
  CHECK_FALSE(d.claim(later));
  const auto host = d.reserve(10, Rank::Host);  // a lower rank comes first
  CHECK(d.claim(host));
  CHECK(d.now() == 10);
  CHECK(d.events_run() == 1);
  CHECK_FALSE(d.claim(d.reserve(100, Rank::InvalidationCompletion)));  // at the end
  d.commit(later, &nop, 0);
  CHECK(d.pending() == 2);
  CHECK_THROWS_AS(d.reserve(9, Rank::Device), std::logic_error);
}
