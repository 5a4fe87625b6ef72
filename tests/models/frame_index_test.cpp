#include <doctest/doctest.h>

#include <map>
#include <new>

#include "models/base/frame_index.h"
#include "models/base/rng.h"

using namespace sim;

TEST_CASE("frame index: 0 until set, the value set after, across chunks") {
  FrameIndex x(uint64_t(1) << 22);  // 16 GiB of frames: 16 chunks of 2^18
  std::map<uint64_t, uint32_t> ref;
  Rng rng(5, "frame-index");
  for (uint32_t i = 1; i <= 20000; ++i) {
    // Half near one another (a stream), half anywhere.
    const uint64_t f = i % 2 ? 1000 + rng.below(4096) : rng.below(x.frames());
    x.at(f) = i;
    ref[f] = i;
  }
  for (const auto& [f, v] : ref) REQUIRE(x.get(f) == v);
  uint64_t zeros = 0;
  for (uint64_t f = 0; f < 8192; ++f)
    if (!ref.count(f)) {
      REQUIRE(x.get(f) == 0);
      ++zeros;
    }
  CHECK(zeros > 0);
  CHECK(x.get(x.frames() - 1) == (ref.count(x.frames() - 1) ? ref[x.frames() - 1] : 0));
}

TEST_CASE("frame index: a 48-bit space costs only the pages its values are on") {
  FrameIndex x(uint64_t(1) << 36);  // 256 TiB of 4 KiB frames
  CHECK(x.get(12345) == 0);         // an unreserved chunk reads 0, reserving nothing
  CHECK(x.resident_bytes() == 0);
  x.at(0) = 1;
  x.at(1) = 2;  // the same page of values
  x.at((uint64_t(1) << 36) - 1) = 3;
  CHECK(x.get(0) == 1);
  CHECK(x.get(1) == 2);
  CHECK(x.get((uint64_t(1) << 36) - 1) == 3);
  CHECK(x.get((uint64_t(1) << 35)) == 0);
  // Two chunks of 64 MiB reserved; resident, a page each (huge where the kernel grants it).
  CHECK(x.resident_bytes() >= 2 * 4096);
  CHECK(x.resident_bytes() <= 2 * (size_t(2) << 20));
}

TEST_CASE("frame index: a frame beyond the space is refused, not written") {
  FrameIndex x(1000);
  x.at(999) = 7;
  CHECK(x.get(999) == 7);
  CHECK_THROWS_AS(x.at(uint64_t(1) << 20), std::bad_alloc);
}
