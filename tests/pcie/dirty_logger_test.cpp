// The device's DMA dirty logger core: ranges fixed at start, granules, the bounded log
// and its overflow, report-and-clear, and what each command answers.
#include <doctest/doctest.h>

#include "pcie/dirty_logger.h"

using namespace sim;

namespace {
DmaLoggingConfig logger_config(unsigned max_ranges = 2, uint64_t capacity = 8) {
  DmaLoggingConfig c;
  c.enabled = true;
  c.max_ranges = max_ranges;
  c.capacity = capacity;
  return c;
}
bool bit(const std::vector<uint64_t>& b, uint64_t i) {
  return (b[i / 64] >> (i % 64)) & 1;
}
}  // namespace

TEST_CASE("a start answers unsupported, too many ranges, bad arguments and already started") {
  DirtyLogger none{DmaLoggingConfig{}};
  CHECK(none.start({{0, 0x1000}}, 4096) == LogStatus::Unsupported);
  DirtyLogger l{logger_config(2)};
  CHECK(l.start({{0, 0x1000}, {0x4000, 0x1000}, {0x8000, 0x1000}}, 4096) ==
        LogStatus::TooManyRanges);
  CHECK(l.start({}, 4096) == LogStatus::BadArgument);
  CHECK(l.start({{0, 0x1000}}, 2048) == LogStatus::BadArgument);      // below the granule
  CHECK(l.start({{0, 0x1000}}, 1 << 30) == LogStatus::BadArgument);   // above it
  CHECK(l.start({{0x800, 0x1000}}, 4096) == LogStatus::BadArgument);  // unaligned
  CHECK(l.start({{0, 0x2000}, {0x1000, 0x1000}}, 4096) == LogStatus::BadArgument);  // overlap
  CHECK_FALSE(l.active());
  CHECK(l.start({{0x4000, 0x2000}, {0, 0x1000}}, 4096) == LogStatus::Ok);
  CHECK(l.ranges().front().start == 0);  // sorted
  CHECK(l.start({{0, 0x1000}}, 4096) == LogStatus::AlreadyStarted);
  std::vector<uint64_t> bits;
  l.stop();
  CHECK(l.report(0, 0x1000, bits) == LogStatus::NotStarted);
}

TEST_CASE("writes inside the ranges are logged at the granule, others are not") {
  DirtyLogger l{logger_config()};
  CHECK(l.record(0, 64) == DirtyLogger::Hit::Idle);
  REQUIRE(l.start({{0, 0x4000}, {0x10000, 0x2000}}, 4096) == LogStatus::Ok);
  CHECK(l.record(0x1ff0, 0x20) == DirtyLogger::Hit::Logged);     // two granules
  CHECK(l.record(0x8000, 8) == DirtyLogger::Hit::Untracked);     // the gap
  CHECK(l.record(0x3ff0, 0x20) == DirtyLogger::Hit::Untracked);  // straddles the range's end
  CHECK(l.record(0x11000, 4) == DirtyLogger::Hit::Logged);
  CHECK(l.entries() == 4);
  std::vector<uint64_t> bits;
  REQUIRE(l.report(0, 0x12000, bits) == LogStatus::Ok);
  for (uint64_t g = 0; g < 0x12; ++g)
    CHECK(bit(bits, g) == (g == 1 || g == 2 || g == 3 || g == 0x11));
  CHECK(l.entries() == 0);  // a report clears what it hands out
  REQUIRE(l.report(0, 0x12000, bits) == LogStatus::Ok);
  CHECK(bits[0] == 0);
}

TEST_CASE("a report of part of a range clears only that part, a coarse granule covers more") {
  DirtyLogger l{logger_config()};
  REQUIRE(l.start({{0, 0x800000}}, 0x200000) == LogStatus::Ok);
  l.record(0x10, 1);
  l.record(0x600000, 1);
  std::vector<uint64_t> bits;
  REQUIRE(l.report(0x400000, 0x400000, bits) == LogStatus::Ok);
  CHECK(bits[0] == 0b10);  // 0x600000 is the second granule of the window
  CHECK(l.entries() == 1);
  CHECK(l.report(0x1000, 0x200000, bits) == LogStatus::BadArgument);  // unaligned
  REQUIRE(l.report(0, 0x200000, bits) == LogStatus::Ok);
  CHECK(bits[0] == 1);
}

TEST_CASE("a full log overflows: every report fails until stop, which drops the log") {
  DirtyLogger l{logger_config(1, 2)};
  REQUIRE(l.start({{0, 0x10000}}, 4096) == LogStatus::Ok);
  CHECK(l.record(0x0, 1) == DirtyLogger::Hit::Logged);
  CHECK(l.record(0x1000, 1) == DirtyLogger::Hit::Logged);
  CHECK(l.record(0x1000, 1) == DirtyLogger::Hit::Logged);  // already held: no new entry
  CHECK_FALSE(l.overflowed());
  CHECK(l.record(0x2000, 1) == DirtyLogger::Hit::Overflowed);
  CHECK(l.overflowed());
  std::vector<uint64_t> bits;
  CHECK(l.report(0, 0x10000, bits) == LogStatus::Overflow);
  CHECK(l.record(0x0, 1) == DirtyLogger::Hit::Logged);  // held pages stay held
  CHECK(l.record(0x3000, 1) == DirtyLogger::Hit::Overflowed);
  CHECK(l.stop() == 2);  // the dropped entries
  REQUIRE(l.start({{0, 0x10000}}, 4096) == LogStatus::Ok);
  CHECK_FALSE(l.overflowed());
  REQUIRE(l.report(0, 0x10000, bits) == LogStatus::Ok);
  CHECK(bits[0] == 0);  // a restart remembers nothing
}
