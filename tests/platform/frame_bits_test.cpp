#include <doctest/doctest.h>

#include "platform/frame_bits.h"

using namespace sim;

TEST_CASE("frame bits: set, reset and the next set frame, in order") {
  FrameBits<> b;
  CHECK_FALSE(b.test(5));
  CHECK(b.next(0) == kNoFrame);
  b.set(5);
  b.set(64);
  b.set(1ull << 28);  // a 1 TiB guest's last frame: the bitmap grows
  CHECK(b.test(5));
  CHECK(b.next(0) == 5);
  CHECK(b.next(6) == 64);
  CHECK(b.next(65) == 1ull << 28);
  b.reset(64);
  CHECK(b.next(6) == 1ull << 28);
  CHECK(b.next((1ull << 28) + 1) == kNoFrame);
}

TEST_CASE("frame bits: set and reset say whether they changed the bit") {
  FrameBits<> b;
  CHECK(b.set(7));
  CHECK_FALSE(b.set(7));
  CHECK(b.reset(7));
  CHECK_FALSE(b.reset(7));
  CHECK_FALSE(b.reset(1ull << 30));  // beyond the bitmap: clear, and it does not grow
  CHECK(b.bytes() < 1024);
}

TEST_CASE("frame bits: two planes side by side are independent, and next() keeps to one") {
  FrameBits<2> b;
  CHECK(b.set(3, 1));
  CHECK_FALSE(b.test(3, 0));
  CHECK(b.test(3, 1));
  CHECK(b.set(31, 0));  // the last frame of the first word
  CHECK(b.set(32, 1));  // the first of the second
  CHECK(b.next(0, 0) == 31);
  CHECK(b.next(0, 1) == 3);
  CHECK(b.next(4, 1) == 32);
  CHECK(b.next(32, 0) == kNoFrame);
  CHECK(b.set(1ull << 28, 0));  // grows as one plane does
  CHECK(b.next(32, 0) == 1ull << 28);
  CHECK(b.next(33, 1) == kNoFrame);
  CHECK(b.reset(3, 1));
  CHECK_FALSE(b.reset(3, 0));
  CHECK(b.next(0, 1) == 32);
}
