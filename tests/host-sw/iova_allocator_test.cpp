// The IOVA allocator's arithmetic (the kernel's iopt_alloc_iova), exactly.
#include <doctest/doctest.h>

#include "host-sw/iommufd/iova_allocator.h"

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- allocator arithmetic ----

TEST_CASE("alloc_alignment: roundup_pow_of_two(length), min lowbit(addr), capped at 2 MiB") {
  CHECK(alloc_alignment(0, 0x3000) == 0x4000);  // addr 0: the length alone
  CHECK(alloc_alignment(0x7f0000000000, 0x3000) == 0x4000);
  CHECK(alloc_alignment(0x7f0000000800, 0x800) == 0x800);
  CHECK(alloc_alignment(0x7f0000001000, 1 << 20) == 0x1000);     // the address's alignment
  CHECK(alloc_alignment(0x7f0000000000, 16 << 20) == 2u << 20);  // HPAGE cap
  CHECK(alloc_alignment(0x7f0000000003, 1 << 20) == 1);
  CHECK(lowbit(0x7f0000000000) == 1ull << 40);
  CHECK(roundup_pow_of_two(1) == 1);
  CHECK(roundup_pow_of_two(0x1001) == 0x2000);
}

TEST_CASE("place_in: ALIGN_UP | page_offset, a < last and last - a >= length - 1") {
  uint64_t a = 0;
  CHECK(place_in(0x1001, 0x10000, 0x1000, 0x1000, 0, a));
  CHECK(a == 0x2000);
  CHECK(place_in(0x1000, 0x1fff, 0x1000, 0x1000, 0, a));  // exactly fits
  CHECK(a == 0x1000);
  CHECK_FALSE(place_in(0x1000, 0x1ffe, 0x1000, 0x1000, 0, a));
  CHECK(place_in(0x2000, 0x3fff, 0x800, 0x800, 0x800, a));  // offset OR-ed in
  CHECK(a == 0x2800);
  // QUIRK: a one-byte hole never fits, even a one-byte length (a >= last refused).
  CHECK_FALSE(place_in(0x2000, 0x2000, 1, 1, 0, a));
  CHECK(place_in(0x2000, 0x2001, 2, 1, 0, a));
  CHECK_FALSE(place_in(kMax - 0x800, kMax, 0x10, 0x1000, 0, a));  // ALIGN_UP overflows
}

TEST_CASE("holes: of overlapping intervals, clipped, with ends at 0 and U64_MAX") {
  CHECK(holes({}, 0, kMax) == std::vector<IovaRange>{{0, kMax}});
  CHECK(holes({{0x3000, 0x3fff}, {0x1000, 0x1fff}, {0x1800, 0x2fff}}, 0, kMax) ==
        std::vector<IovaRange>{{0, 0xfff}, {0x4000, kMax}});
  CHECK(holes({{0, 0xfff}, {0x5000, kMax}}, 0, kMax) == std::vector<IovaRange>{{0x1000, 0x4fff}});
  CHECK(holes({{0, kMax}}, 0, kMax).empty());
  CHECK(holes({{0x1000, 0x1fff}}, 0x1800, 0x3000) == std::vector<IovaRange>{{0x2000, 0x3000}});
}

TEST_CASE("alloc_iova: EOVERFLOW, EINVAL below the IOAS alignment, IOVA 0 never, ENOSPC") {
  uint64_t iova = 0;
  CHECK(alloc_iova({}, {}, 0, 0, 1, iova) == Errno::Eoverflow);
  CHECK(alloc_iova({}, {}, 0, kMax / 2, 1, iova) == Errno::Eoverflow);
  CHECK(alloc_iova({}, {}, 0x7f0000000800, 0x1000, 0x1000, iova) == Errno::Einval);
  REQUIRE(alloc_iova({}, {}, 0, 0x1000, 1, iova) == Errno::Ok);
  CHECK(iova == 0x1000);  // the window starts at PAGE_SIZE
  REQUIRE(alloc_iova({{0, 0x1fff}}, {}, 0, 0x1000, 1, iova) == Errno::Ok);
  CHECK(iova == 0x1000);
  CHECK(alloc_iova({{0, 0xfff}}, {}, 0, 0x1000, 1, iova) == Errno::Enospc);
  CHECK(alloc_iova({{0x1000, 0x2fff}}, {{0x1000, 0x1fff}}, 0, 0x2000, 1, iova) == Errno::Enospc);
}

TEST_CASE("alloc_iova: first fit in the holes of reserved and areas, inside allowed spans") {
  uint64_t iova = 0;
  // Used: [0x1000, 0x4fff], [0x6000, 0x6fff]; a 4 KiB map fits in the gap at 0x5000.
  REQUIRE(alloc_iova({}, {{0x1000, 0x4fff}, {0x6000, 0x6fff}}, 0x7f0000000000, 0x1000, 1, iova) ==
          Errno::Ok);
  CHECK(iova == 0x5000);
  // 8 KiB needs 8 KiB alignment: 0x8000, past the 4 KiB gap.
  REQUIRE(alloc_iova({}, {{0x1000, 0x4fff}, {0x6000, 0x6fff}}, 0x7f0000000000, 0x2000, 1, iova) ==
          Errno::Ok);
  CHECK(iova == 0x8000);
  // The lowest allowed span that fits wins; adjacent allowed ranges join into one span.
  const std::vector<IovaRange> allowed = {
      {0x40000, 0x40fff}, {0x10000, 0x17fff}, {0x18000, 0x1ffff}};
  REQUIRE(alloc_iova(allowed, {{0x10000, 0x13fff}}, 0, 0x8000, 1, iova) == Errno::Ok);
  CHECK(iova == 0x18000);
  REQUIRE(alloc_iova(allowed, {{0x10000, 0x1ffff}}, 0, 0x1000, 1, iova) == Errno::Ok);
  CHECK(iova == 0x40000);
  // The returned IOVA is a multiple of lowbit(length) (selftest area_auto_iova).
  for (uint64_t len : {0x1000ull, 0x3000ull, 0x10000ull, 0x30000ull}) {
    REQUIRE(alloc_iova({}, {{0x1000, 0x2fff}}, 0x7f0000000000, len, 1, iova) == Errno::Ok);
    CHECK(iova % lowbit(len) == 0);
    CHECK(iova > 0x2fff);
  }
}
