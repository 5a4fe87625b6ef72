#include <doctest/doctest.h>

#include "platform/frame_bits.h"

using namespace sim;

TEST_CASE("frame bits: set, reset and the next set frame, in order") {
  FrameBits b;
  CHECK_FALSE(b.test(5));
  CHECK(b.next(0) == FrameBits::kEnd);
  b.set(5);
  b.set(64);
  b.set(1ull << 28);  // a 1 TiB guest's last frame: the bitmap grows
  CHECK(b.test(5));
  CHECK(b.next(0) == 5);
  CHECK(b.next(6) == 64);
  CHECK(b.next(65) == 1ull << 28);
  b.reset(64);
  CHECK(b.next(6) == 1ull << 28);
  CHECK(b.next((1ull << 28) + 1) == FrameBits::kEnd);
}

TEST_CASE("frame bits: set and reset say whether they changed the bit") {
  FrameBits b;
  CHECK(b.set(7));
  CHECK_FALSE(b.set(7));
  CHECK(b.reset(7));
  CHECK_FALSE(b.reset(7));
  CHECK_FALSE(b.reset(1ull << 30));  // beyond the bitmap: clear, and it does not grow
  CHECK(b.bytes() < 1024);
}
