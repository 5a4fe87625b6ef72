// io_pagetable rule by rule (iommufd-semantics §1): the allocator's arithmetic, the
// pin ledger, then each IOAS operation through the host with the kernel's errnos in
// the kernel's order. Host runs check the invariants after every operation.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "host-sw/io_pagetable.h"
#include "host-sw/iova_allocator.h"
#include "host-sw/pin_ledger.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {
constexpr uint64_t kMax = UINT64_MAX;

// guest is at user VA 0x7f0000000000 (lowbit 2^40), huge (2 MiB pages) after it.
const char* kMem = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}, {name: huge, size: 8MiB, backing: 2MiB},
         {name: ro, size: 1MiB, readonly: true}]
)";

// Runs the host part with invariants checked after every operation; returns the
// failed steps (each printed with its line and both values).
int64_t failures(const std::string& host_yaml, int64_t* locked = nullptr) {
  HostRig rig(std::string(kMem) + host_yaml);
  rig.host->check_each_op(true);
  rig.run();
  CHECK(rig.host->check_invariants() == "");
  if (locked) *locked = rig.stat("host.locked_bytes");
  return rig.stat("host.steps_failed");
}
}  // namespace

// ---- §1.5 allocator arithmetic ----

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

// ---- the pin ledger (§2.1, §2.7) ----

TEST_CASE(
    "pin ledger: shared pages are pinned once, the last cover unpins, ENOMEM changes nothing") {
  PinLedger l(8 * 4096);
  REQUIRE(l.new_pages_id() == 1);
  REQUIRE(l.new_pages_id() == 2);
  REQUIRE(l.cover(1, 10, 13) == Errno::Ok);
  CHECK(l.pinned_pages() == 4);
  REQUIRE(l.cover(1, 12, 15) == Errno::Ok);  // pages 12, 13 already pinned
  CHECK(l.pinned_pages() == 6);
  CHECK(l.cover(2, 0, 2) == Errno::Enomem);  // another pages object: 9 > 8
  CHECK(l.pinned_pages() == 6);
  REQUIRE(l.cover(2, 0, 1) == Errno::Ok);
  CHECK(l.locked_bytes() == 8 * 4096);
  l.uncover(1, 10, 13);
  CHECK(l.pinned_pages() == 6);  // 12..15 still covered, plus object 2's two pages
  l.uncover(1, 12, 15);
  l.uncover(2, 0, 1);
  CHECK(l.pinned_pages() == 0);
}

// ---- §1.4 MAP ----

TEST_CASE("map: allocated IOVAs follow the allocator through the CLI keys") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 16MiB, expect_iova: 0x200000}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect_iova: 0x1000}
  - {op: ioas_map, ioas: a, user: guest, length: 12KiB, expect_iova: 0x4000}
  - {op: ioas_map, ioas: a, user: guest, offset: 0x800, length: 0x800, expect_iova: 0x2800}
)") == 0);
}

TEST_CASE("map: a wrong expect_iova fails the step (the check can fail)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect_iova: 0x2000}
)") == 1);
}

TEST_CASE(
    "map: errnos in the kernel's order (overflow, prot, length, alignment, reserved, EEXIST)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  # iova == U64_MAX: EOVERFLOW before the missing permission
  - {op: ioas_map, ioas: a, iova: 0xffffffffffffffff, user: guest, length: 4KiB, prot: none, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 4KiB, prot: none, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 0, expect: EINVAL}
  # length % alignment before the IOVA's alignment
  - {op: ioas_map, ioas: a, iova: 0x200800, user: guest, length: 0x800, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x200800, user: guest, length: 4KiB, expect: EINVAL}
  # iova + length - 1 overflows before the reserved check (the aperture complement)
  - {op: ioas_map, ioas: a, iova: 0xfffffffffffff000, user: guest, length: 8KiB, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x1000000000000, user: guest, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0xff000, user: guest, length: 0x102000, expect: EEXIST}
  - {op: ioas_map, ioas: a, iova: 0x10f000, user: guest, length: 4KiB, expect: EEXIST}
  # the user address's page offset must suit the IOAS alignment
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, offset: 0x800, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, user: guest, offset: 0x800, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x110000, user: guest, length: 4KiB}
)") == 0);
}

TEST_CASE("map: a writable map of read-only memory faults when pinned, not while lazy") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EFAULT}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 64KiB}
  - {op: hwpt_alloc, id: h2, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB, expect: EFAULT}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB, prot: r}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

TEST_CASE("map: RLIMIT_MEMLOCK charges pinned pages once, over it ENOMEM and nothing stays") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 1MiB
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 2MiB, expect: ENOMEM}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  # a COPY shares the pages: no new charge, so it fits at the limit
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x400000, length: 1MiB}
  - {op: ioas_map, ioas: a, iova: 0x800000, user: guest, length: 4KiB, expect: ENOMEM}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);
}

// ---- §1.6 UNMAP ----

TEST_CASE("unmap: returned length skips holes, ENOENT for nothing, unmap-all of nothing is fine") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x300000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x400000, length: 1MiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0, length: 16MiB, expect_length: 192KiB}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 0}
)") == 0);
}

TEST_CASE("unmap: a partial area is ENOENT and not atomic (areas below it are gone)") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x300000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 0x208000, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x200000, length: 64KiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x308000, length: 32KiB, expect: ENOENT}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);  // only the third area is left, still pinned
}

TEST_CASE("unmap: EOVERFLOW and EINVAL before any area is looked at") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: all, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0xffffffffffffffff, length: 4KiB, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0xfffffffffffff000, length: 8KiB, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 0, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB, expect_length: 64KiB}
)") == 0);
}

TEST_CASE("unmap: a wrong expect_length fails the step") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 4KiB}
)") == 1);
}

// ---- §1.3 DESTROY ----

TEST_CASE("destroy: EBUSY while a HWPT uses the IOAS, with areas and no users it unmaps them") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_destroy, ioas: a, expect: EBUSY}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: b, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_destroy, ioas: b}
  - {op: ioas_map, ioas: b, iova: 0x100000, user: guest, length: 64KiB, expect: ENOENT}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

// ---- §1.7 COPY ----

TEST_CASE("copy: across IOASes shares the pages, the charge follows the last cover") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: ha, ioas: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, length: 1MiB, expect_iova: 0x100000}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 1MiB}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);  // b's area still holds every page
}

TEST_CASE("copy: from a lazy IOAS into a pinning one pins only the slice copied") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x180000, dst_ioas: b, dst_iova: 0x400000, length: 64KiB}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

TEST_CASE("copy: slices of contiguous areas become one area each, packed from the IOVA") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x110000, user: guest, offset: 1MiB, length: 64KiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x108000, dst_ioas: a, dst_iova: 0x800000, length: 64KiB}
  # two areas: 32 KiB from each source area
  - {op: ioas_unmap, ioas: a, iova: 0x800000, length: 32KiB, expect_length: 32KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x808000, length: 32KiB, expect_length: 32KiB}
)") == 0);
}

TEST_CASE("copy: errnos (overflow, prot, source hole ENOENT, EPERM, EEXIST, reserved, alignment)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x120000, user: guest, length: 64KiB, prot: r}
  - {op: ioas_copy, src_ioas: a, src_iova: 0xffffffffffffffff, dst_ioas: a, length: 4KiB, expect: EOVERFLOW}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, length: 4KiB, prot: none, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, length: 0, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x108000, dst_ioas: a, length: 64KiB, expect: ENOENT}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x200000, dst_ioas: a, length: 4KiB, expect: ENOENT}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x120000, dst_ioas: a, length: 4KiB, expect: EPERM}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x120000, dst_ioas: a, length: 4KiB, prot: r, expect_iova: 0x1000}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x10f000, length: 4KiB, expect: EEXIST}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0xfee00000, length: 4KiB, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x400800, length: 4KiB, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100800, dst_ioas: a, length: 4KiB, expect: EINVAL}
)") == 0);
}

// ---- §1.8 IOVA_RANGES, §1.10 reserved ranges ----

TEST_CASE("iova_ranges: holes of the reserved ranges, aperture at hwpt_alloc, MSI at attach") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffffffff"], expect_alignment: 1}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"], expect_alignment: 4096}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_iova_ranges, ioas: a, expect_num_iovas: 2,
     expect_ranges: ["0-0xfedfffff", "0xfef00000-0xffffffffffff"]}
  - {op: ioas_iova_ranges, ioas: a, num_iovas: 1, expect_ranges: ["0-0xfedfffff"], expect: EMSGSIZE}
  - {op: ioas_iova_ranges, ioas: a, num_iovas: 0, expect_ranges: [], expect_num_iovas: 2, expect: EMSGSIZE}
  - {op: detach, device: nic0}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"]}
)") == 0);
}

TEST_CASE("iova_ranges: a wrong expect_ranges fails the step") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"]}
)") == 1);
}

TEST_CASE("reserved: attach over an area, hwpt_alloc over an area past the aperture: EADDRINUSE") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0xfe000000, user: guest, length: 16MiB}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h, expect: EADDRINUSE}
  - {op: ioas_unmap, ioas: a, iova: 0xfe000000, length: 16MiB}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_map, ioas: a, iova: 0xfee00000, user: guest, length: 4KiB, expect: EINVAL}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: b, iova: 0x1000000000000, user: guest, length: 4KiB}
  - {op: hwpt_alloc, id: hb, ioas: b, expect: EADDRINUSE}
)") == 0);
}

// ---- §1.9 ALLOW_IOVAS ----

TEST_CASE(
    "allow_iovas: EINVAL for one-byte and overlapping ranges, EADDRINUSE keeps the old list") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0x10000-0x10000"], expect: EINVAL}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0x10000+64KiB", "0x18000+64KiB"], expect: EINVAL}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0xfed00000+1MiB", "0xfef00000+1MiB"]}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0xfe000000+32MiB"], expect: EADDRINUSE}
  # still the old list: 1 MiB fits each span once, 2 MiB never
  - {op: ioas_map, ioas: a, user: guest, length: 2MiB, expect: ENOSPC}
  - {op: ioas_map, ioas: a, user: guest, length: 1MiB, expect_iova: 0xfed00000}
  - {op: ioas_map, ioas: a, user: guest, length: 1MiB, expect_iova: 0xfef00000}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect: ENOSPC}
  # FIXED maps ignore the allowed ranges
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 4KiB}
  # an empty list clears them
  - {op: ioas_allow_iovas, ioas: a, ranges: []}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect_iova: 0x1000}
)") == 0);
}

TEST_CASE("allow_iovas: a later reservation inside an allowed range fails the attach") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0xf0000000-0xffffffff"]}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h, expect: EADDRINUSE}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"]}
  - {op: ioas_alloc, id: b}
  - {op: ioas_allow_iovas, ioas: b, ranges: ["0x1000000000000-0x1ffffffffffff"]}
  - {op: hwpt_alloc, id: hb, ioas: b, expect: EADDRINUSE}
)") == 0);
}

// ---- §1.11 alignment lifecycle and huge pages ----

TEST_CASE("alignment: a byte-aligned lazy area blocks the first domain (EADDRINUSE)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x1800, user: guest, offset: 0x800, length: 0x800}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EADDRINUSE}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_unmap, ioas: a, iova: 0x1800, length: 0x800}
  - {op: hwpt_alloc, id: h2, ioas: a}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4096}
)") == 0);
}

TEST_CASE("huge pages: GET, SET 0 on a lazy IOAS raises the alignment, EADDRINUSE rolls back") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 1}
  - {op: ioas_map, ioas: a, iova: 0x1800, user: guest, offset: 0x800, length: 0x800}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 0, expect: EADDRINUSE}
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 1}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 2, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all}
  - {op: ioas_map, ioas: a, iova: 0x10000, user: guest, length: 64KiB}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 0}
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 0}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4096}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 1}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
)") == 0);
}

TEST_CASE(
    "huge pages: SET 0 refused with domains and areas, with domains only it maps 4 KiB IOPTEs") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x400000, user: huge, length: 4MiB}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 0, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all}
  - {op: ioas_option, ioas: a, option: huge_pages, set: 0}
  # the invariant checker refuses any IOPTE above 4 KiB now
  - {op: ioas_map, ioas: a, iova: 0x400000, user: huge, length: 4MiB}
)") == 0);
}

// ---- save_iova (SCENARIO.md) ----

TEST_CASE("save_iova: later ops use the name where an IOVA goes") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, user: guest, length: 1MiB, save_iova: g}
  - {op: ioas_copy, src_ioas: a, src_iova: g, dst_ioas: b, length: 1MiB, save_iova: c}
  - {op: ioas_copy, src_ioas: b, src_iova: c, dst_ioas: a, dst_iova: g, length: 4KiB, expect: EEXIST}
  - {op: ioas_unmap, ioas: b, iova: c, length: 1MiB, expect_length: 1MiB}
  - {op: ioas_unmap, ioas: a, iova: g, length: 1MiB, expect_length: 1MiB}
)") == 0);
}

TEST_CASE("save_iova: a name whose map failed fails the op that uses it") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 0, save_iova: g, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: g, length: 1MiB, expect: EINVAL}
)") == 1);
}

TEST_CASE("save_iova: names are checked before anything runs") {
  auto err = [](const std::string& y) {
    try {
      ConfigDoc doc = ConfigDoc::from_string(std::string(kMem) + y, "h.yaml");
      ConfigReader r = doc.root();
      load_host_config(r, {"nic0"});
      doc.check_unknown_keys();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  CHECK(err(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_unmap, ioas: a, iova: g, length: 4KiB}
)")
            .find("expected an address such as 0x3000, got 'g'") != std::string::npos);
  CHECK(err(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, save_iova: g}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, save_iova: g}
)")
            .find("an IOVA named 'g' is saved already") != std::string::npos);
}

// ---- §1.12 area splitting (VFIO type1 v1), on an io_pagetable directly ----

namespace {
// An io_pagetable over the real driver and IOMMU; operations run to completion.
struct IoptRig {
  HostRig rig{"memory: []"};  // the dispatcher, memory, IOMMU and MMIO
  StatsRegistry stats;
  HostCpu cpu{rig.d, HostCost{}};
  PhysAllocator phys{1ull << 20, (4ull << 30) - (1ull << 20)};
  VmmMemory vmm{phys};
  HostEnv env{rig.d, rig.mem, rig.mmio, stats, rig.trace, hw()};
  IommuDriver drv{env, cpu, phys};
  PinLedger ledger;
  IoPagetable iopt{ledger};
  uint64_t va = 0;

  HardwareInfo hw() {
    HardwareInfo h;
    h.iommu_mmio_base = rig.mmio.base;
    h.memory_size = rig.mem.size();
    return h;
  }
  IoptRig() {
    rig.iommu->set_zero_cost(true);
    cpu.set_free(true);
    drv.boot();
    REQUIRE(vmm.mmap("g", 16 << 20, 4096, false, va) == Errno::Ok);
  }
  Errno run(Task<Errno> t) {
    Errno out = Errno::Einval;
    bool done = false;
    auto body = [](Task<Errno> t, Errno& out) -> Task<> { out = co_await t; };
    Fiber f = Fiber::start(body(std::move(t), out), [&done](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      done = true;
    });
    while (!done && rig.d.run_one()) {
    }
    REQUIRE(done);
    return out;
  }
  Errno map(uint64_t iova, uint64_t off, uint64_t len) {
    uint64_t placed;
    return run(iopt.map(drv, vmm, iova, va + off, len, true, true, placed));
  }
  Errno unmap1(uint64_t iova, uint64_t len, uint64_t& n) {
    return run(iopt.unmap_type1v1(drv, iova, len, n));
  }
};
}  // namespace

TEST_CASE("cut: type1 v1 unmaps any page-aligned sub-range, pins unchanged until unmapped") {
  IoptRig t;
  REQUIRE(t.iopt.set_huge_pages(0) == Errno::Ok);
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 16);
  uint64_t n = 0;
  CHECK(t.unmap1(0x104000, 0x2000, n) == Errno::Ok);  // the middle: three areas, one goes
  CHECK(n == 0x2000);
  CHECK(t.iopt.areas().size() == 2);
  CHECK(t.ledger.pinned_pages() == 14);
  CHECK(t.drv.find_leaf(*d, 0x104000).first == 0);  // unmapped in the domain
  CHECK(t.drv.find_leaf(*d, 0x106000).first != 0);
  // The plain IOAS unmap still refuses a partial area.
  CHECK(t.run(t.iopt.unmap(t.drv, 0x100000, 0x1000, n)) == Errno::Enoent);
  CHECK(t.unmap1(0x100000, 0x1000, n) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 13);
  CHECK(t.unmap1(0, UINT64_MAX, n) == Errno::Ok);  // unmap-all: nothing to cut
  CHECK(t.ledger.pinned_pages() == 0);
}

TEST_CASE("cut: points on an area's first or last IOVA do nothing (kernel), large IOPTEs EINVAL") {
  IoptRig t;
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);  // lazy, alignment 1
  CHECK(t.iopt.cut_iova({0x100000, 0x10ffff, 0x200000}) == Errno::Ok);
  CHECK(t.iopt.areas().size() == 1);
  // QUIRK: cutting at the first IOVA is a no-op, so a one-byte head cannot be split off.
  CHECK(t.iopt.cut_iova({0x100800}) == Errno::Ok);  // lazy: any byte
  CHECK(t.iopt.areas().size() == 2);
  CHECK(t.iopt.areas().at(0x100801).user_va == t.va + 0x801);
  IoptRig h;  // a domain with large pages on: refused
  Domain* d = h.drv.domain_alloc();
  REQUIRE(h.run(h.iopt.add_domain(h.drv, h.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(h.map(0x200000, 0, 2 << 20) == Errno::Ok);
  CHECK(h.iopt.cut_iova({0x300fff}) == Errno::Einval);
  uint64_t n = 0;
  CHECK(h.unmap1(0x201000, 0x1000, n) == Errno::Enoent);  // no cut without v1 mode
}

TEST_CASE("cut: with huge pages off the cut must be page-aligned (EINVAL), earlier cuts stay") {
  IoptRig t;
  REQUIRE(t.iopt.set_huge_pages(0) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.iopt.cut_iova({0x103fff, 0x1047ff}) == Errno::Einval);
  CHECK(t.iopt.areas().size() == 2);  // the first cut happened
  uint64_t n = 0;
  CHECK(t.unmap1(0x104000, 0x800, n) == Errno::Einval);
}

TEST_CASE(
    "map: the user range must not wrap (EOVERFLOW), nor be longer than SIZE_MAX - PS (EINVAL)") {
  // guest is at 0x7f0000000000: offsets that wrap the address space reach any user VA.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 0xffff80ffffff0000, length: 128KiB, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 0xffff810000000800, length: 0xfffffffffffff000, expect: EINVAL}
  # an unbacked user range maps while lazy; pinning it faults and changes nothing
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 1GiB, length: 64KiB}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EFAULT}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffffffff"], expect_alignment: 1}
)") == 0);
}

TEST_CASE("reserved: ranges of several owners may overlap, removing one owner keeps the other's") {
  IoptRig t;
  CHECK(t.iopt.reserve(0xfee00000, 0xfeefffff, "device a") == Errno::Ok);
  CHECK(t.iopt.reserve(0xfe000000, 0xfeefffff, "device b") == Errno::Ok);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, 0xfdffffff}, {0xfef00000, UINT64_MAX}});
  t.iopt.unreserve("device b");
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, 0xfedfffff}, {0xfef00000, UINT64_MAX}});
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.iopt.reserve(0x10ffff, 0x10ffff, "device c") == Errno::Eaddrinuse);
  REQUIRE(t.iopt.allow_iovas({{0x200000, 0x2fffff}}) == Errno::Ok);
  CHECK(t.iopt.reserve(0x2fffff, 0x300000, "device c") == Errno::Eaddrinuse);
  CHECK(t.iopt.reserve(0x300000, 0x300000, "device c") == Errno::Ok);
}

TEST_CASE("remove_domain: the last domain unpins, its aperture goes, the alignment shrinks") {
  IoptRig t;
  Domain* d1 = t.drv.domain_alloc();
  Domain* d2 = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d1, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d2, (1ull << 39) - 1)) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 16);  // the second domain pins nothing more
  CHECK(t.drv.find_leaf(*d2, 0x100000).first != 0);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, (1ull << 39) - 1}});
  auto removed = [](IommuDriver& drv, IoPagetable& iopt, Domain* d) -> Task<Errno> {
    co_await iopt.remove_domain(drv, d);
    co_return Errno::Ok;
  };
  t.run(removed(t.drv, t.iopt, d2));
  CHECK(t.ledger.pinned_pages() == 16);
  CHECK(t.drv.find_leaf(*d2, 0x100000).first == 0);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, (1ull << 48) - 1}});
  t.run(removed(t.drv, t.iopt, d1));
  CHECK(t.ledger.pinned_pages() == 0);
  CHECK(t.iopt.alignment() == 1);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, UINT64_MAX}});
}

// ---- §2.7 accounting modes and §1.11 RLIMIT_MODE ----

TEST_CASE("accounting: CAP_IPC_LOCK pins without charging, so RLIMIT_MEMLOCK does not bind") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 64KiB
capabilities: [ipc_lock]
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
)",
                 &locked) == 0);
  CHECK(locked == 0);
}

TEST_CASE("pin ledger: NONE pages are pinned but not charged, the limit sees only charged ones") {
  PinLedger l(4 * 4096);
  l.set_new_mode(AccountMode::None);
  const uint64_t free_id = l.new_pages_id();
  l.set_new_mode(AccountMode::Mm);
  const uint64_t mm_id = l.new_pages_id();
  REQUIRE(l.cover(free_id, 0, 99) == Errno::Ok);
  CHECK(l.cover(mm_id, 0, 4) == Errno::Enomem);
  REQUIRE(l.cover(mm_id, 0, 3) == Errno::Ok);
  CHECK(l.pinned_pages() == 104);
  CHECK(l.charged_pages() == 4);
  l.uncover(free_id, 0, 99);
  CHECK(l.pinned_pages() == 4);
  CHECK(l.charged_pages() == 4);
}

TEST_CASE("rlimit_mode: global (EOPNOTSUPP with an IOAS), EPERM, EBUSY, EINVAL, GET") {
  CHECK(failures(R"(
setup:
  - {op: ioas_option, option: rlimit_mode, expect_value: 0}
  - {op: ioas_option, option: rlimit_mode, set: 1, expect: EPERM}
)") == 0);
  CHECK(failures(R"(
capabilities: [sys_resource]
setup:
  - {op: ioas_option, option: rlimit_mode, set: 2, expect: EINVAL}
  - {op: ioas_option, option: rlimit_mode, set: 1}
  - {op: ioas_option, option: rlimit_mode, expect_value: 1}
  - {op: ioas_alloc, id: a}
  - {op: ioas_option, option: rlimit_mode, ioas: a, expect: EOPNOTSUPP}
  - {op: ioas_option, option: rlimit_mode, set: 0, expect: EBUSY}
  - {op: ioas_destroy, ioas: a}
  - {op: ioas_option, option: rlimit_mode, set: 0}
  - {op: ioas_option, option: rlimit_mode, expect_value: 0}
)") == 0);
}

TEST_CASE("rlimit_mode 1 (MM) charges like USER against the same RLIMIT_MEMLOCK") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 1MiB
capabilities: [sys_resource]
setup:
  - {op: ioas_option, option: rlimit_mode, set: 1}
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 4KiB, expect: ENOMEM}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);
}

// ---- randomized: any sequence of IOAS operations keeps the invariants ----

TEST_CASE("random IOAS op sequences keep every invariant after every operation") {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto pick = [&state](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  const char* ioas[] = {"a", "b"};
  const char* iovas[] = {"0x100000", "0x110000", "0x180000", "0x200000", "0x100800", "0xfee00000"};
  const char* lens[] = {"0x800", "0x1000", "0x10000", "0x80000", "0x100000"};
  const char* offsets[] = {"0", "0x800", "0x1000", "0x200000"};
  int oks = 0;
  for (int seed = 0; seed < 100; ++seed) {
    std::ostringstream y;
    y << "memlock: 4MiB\nsetup:\n  - {op: ioas_alloc, id: a}\n  - {op: ioas_alloc, id: b}\n"
      << "  - {op: hwpt_alloc, id: h0, ioas: a}\n";
    for (int k = 0; k < 30; ++k) {
      const char* io = ioas[pick(2)];
      y << "  - {";
      switch (pick(11)) {
        case 0:
        case 1:
          y << "op: ioas_map, ioas: " << io
            << (pick(2) ? std::string(", iova: ") + iovas[pick(6)] : "")
            << ", user: " << (pick(4) ? "guest" : "ro") << ", offset: " << offsets[pick(4)]
            << ", length: " << lens[pick(5)] << ", prot: " << (pick(3) ? "rw" : "r");
          break;
        case 2:
          y << "op: ioas_copy, src_ioas: " << io << ", src_iova: " << iovas[pick(6)]
            << ", dst_ioas: " << ioas[pick(2)]
            << (pick(2) ? std::string(", dst_iova: ") + iovas[pick(6)] : "")
            << ", length: " << lens[pick(5)] << ", prot: " << (pick(3) ? "rw" : "r");
          break;
        case 3:
          y << "op: ioas_unmap, ioas: " << io << ", iova: " << iovas[pick(6)]
            << ", length: " << lens[pick(5)];
          break;
        case 4:
          y << "op: ioas_unmap, ioas: " << io
            << ", iova: 0, length: " << (pick(2) ? "all" : "4MiB");
          break;
        case 5:
          y << "op: hwpt_alloc, id: h" << k << ", ioas: " << io;
          break;
        case 6:
          y << "op: " << (pick(2) ? "detach, device: nic0" : "attach, device: nic0, hwpt: h0");
          break;
        case 7:
          y << "op: ioas_option, ioas: " << io << ", option: huge_pages, set: " << pick(2);
          break;
        case 8:
          y << "op: ioas_allow_iovas, ioas: " << io << ", ranges: ["
            << (pick(2) ? "\"0x100000+2MiB\"" : "") << "]";
          break;
        case 9:  // rare: the other ops need the IOAS
          y << "op: " << (pick(4) ? "ioas_iova_ranges, ioas: " : "ioas_destroy, ioas: ") << io;
          break;
        case 10:
          y << "op: ioas_alloc, id: " << io;
          break;
      }
      y << "}\n";
    }
    std::ostringstream log;
    std::streambuf* err = std::cerr.rdbuf(log.rdbuf());  // errno mismatches are expected
    int64_t failed = 0;
    std::string end;
    {
      HostRig rig(std::string(kMem) + y.str());
      rig.host->check_each_op(true);
      rig.run();
      failed = rig.stat("host.steps_failed");
      end = rig.host->check_invariants();
    }
    std::cerr.rdbuf(err);
    INFO(y.str());
    CHECK(log.str().find("invariant broken") == std::string::npos);
    if (log.str().find("invariant broken") != std::string::npos) MESSAGE(log.str());
    CHECK(end == "");
    oks += 33 - failed;
  }
  CHECK(oks > 100 * 10);  // enough succeed for the sequences to mean something
}
