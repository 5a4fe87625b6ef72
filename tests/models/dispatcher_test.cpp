#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "models/sim/dispatcher.h"
#include "models/sim/task.h"

using namespace sim;

namespace {
struct Log : EventTarget {
  std::vector<std::pair<Ps, uint64_t>> seen;
  void on_event(Ps now, uint64_t arg) override { seen.push_back({now, arg}); }
};
}  // namespace

TEST_CASE("dispatcher runs events in time order") {
  Dispatcher d;
  Log log;
  d.schedule(30, Rank::Device, &log, 3);
  d.schedule(10, Rank::Device, &log, 1);
  d.schedule(20, Rank::Device, &log, 2);
  d.run_until(~Ps{0});
  REQUIRE(log.seen.size() == 3);
  CHECK(log.seen[0] == std::pair<Ps, uint64_t>{10, 1});
  CHECK(log.seen[1] == std::pair<Ps, uint64_t>{20, 2});
  CHECK(log.seen[2] == std::pair<Ps, uint64_t>{30, 3});
  CHECK(d.now() == 30);
}

TEST_CASE("equal times: invalidation completion < timer < host < device, then schedule order") {
  Dispatcher d;
  Log log;
  d.schedule(5, Rank::Device, &log, 40);
  d.schedule(5, Rank::Host, &log, 30);
  d.schedule(5, Rank::Device, &log, 41);
  d.schedule(5, Rank::Timer, &log, 20);
  d.schedule(5, Rank::InvalidationCompletion, &log, 10);
  d.run_until(100);
  std::vector<uint64_t> order;
  for (auto& e : log.seen) order.push_back(e.second);
  CHECK(order == std::vector<uint64_t>{10, 20, 30, 40, 41});
}

TEST_CASE("events at or after end never run, run_until is exclusive") {
  Dispatcher d(100);
  Log log;
  d.schedule(50, Rank::Device, &log, 1);
  d.schedule(100, Rank::Device, &log, 2);
  d.run_until(50);
  CHECK(log.seen.empty());
  CHECK(d.next_time() == 50);
  d.run_until(1000);
  CHECK(log.seen.size() == 1);
  CHECK(d.next_time() == 100);
  CHECK_FALSE(d.run_one());
}

TEST_CASE("scheduling into the past is a logic error") {
  Dispatcher d;
  Log log;
  d.schedule(10, Rank::Device, &log);
  d.run_one();
  CHECK_THROWS_AS(d.schedule(9, Rank::Device, &log), std::logic_error);
}

namespace {
Task<int> add_later(Dispatcher& d, int a, Ps delay) {
  co_await SleepUntil{d, d.now() + delay, Rank::Host};
  co_return a + 1;
}
Task<> host_program(Dispatcher& d, std::vector<std::string>& out) {
  out.push_back("start@" + std::to_string(d.now()));
  int v = co_await add_later(d, 41, 100);
  out.push_back("value " + std::to_string(v) + "@" + std::to_string(d.now()));
  co_await SleepUntil{d, 250, Rank::Host};
  out.push_back("end@" + std::to_string(d.now()));
}
Task<> thrower(Dispatcher& d) {
  co_await SleepUntil{d, 7, Rank::Host};
  throw std::runtime_error("boom");
}
}  // namespace

TEST_CASE("a fiber sleeps through the dispatcher and reports completion") {
  Dispatcher d;
  std::vector<std::string> out;
  bool finished = false;
  Fiber f = Fiber::start(host_program(d, out), [&](std::exception_ptr e) {
    finished = true;
    CHECK(!e);
  });
  CHECK(out == std::vector<std::string>{"start@0"});
  CHECK_FALSE(f.done());
  d.run_until(~Ps{0});
  CHECK(finished);
  CHECK(f.done());
  CHECK(out == std::vector<std::string>{"start@0", "value 42@100", "end@250"});
}

TEST_CASE("an exception inside a fiber reaches its completion callback") {
  Dispatcher d;
  std::string what;
  Fiber f = Fiber::start(thrower(d), [&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    }
  });
  d.run_until(100);
  CHECK(what == "boom");
}

TEST_CASE("a fiber still suspended is destroyed cleanly with its owner") {
  Dispatcher d(10);
  std::vector<std::string> out;
  bool finished = false;
  {
    Fiber f = Fiber::start(host_program(d, out), [&](std::exception_ptr) { finished = true; });
    d.run_until(~Ps{0});  // end=10: the sleep to 100 never fires
  }
  CHECK_FALSE(finished);
}
