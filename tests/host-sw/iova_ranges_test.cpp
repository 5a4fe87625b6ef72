// IOVA_RANGES, reserved and allowed ranges, the alignment lifecycle and the huge-pages
// option, as iommufd has them.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- IOVA_RANGES, reserved ranges ----

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

// ---- ALLOW_IOVAS ----

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

// ---- alignment lifecycle and huge pages ----

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
