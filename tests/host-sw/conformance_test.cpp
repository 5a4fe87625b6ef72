// The kernel's own iommufd selftests (tools/testing/selftests/iommu/iommufd.c),
// translated into our host operations: each case names the TEST_F it mirrors and
// expects the kernel's answers.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- detach cannot fail ----

TEST_CASE("TEST_F(iommufd_device_pasid, pasid_attach): detaching what is not attached is 0") {
  // The selftest detaches PASID 100, never attached, and expects success; a device's
  // detach likewise does nothing and keeps every other attachment and reservation.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: detach, device: nic0}
  - {op: detach, device: nic0, pasid: 100}
  - {op: attach, device: nic0, hwpt: h}
  - {op: detach, device: nic0, pasid: 100}
  - {op: ioas_iova_ranges, ioas: a,
     expect_ranges: ["0-0xfedfffff", "0xfef00000-0xffffffffffff"]}
  - {op: attach, device: nic0, pasid: 100, hwpt: h}
  - {op: detach, device: nic0, pasid: 100}
  - {op: detach, device: nic0, pasid: 100}
  - {op: detach, device: nic0}
  - {op: detach, device: nic0}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"]}
  - {op: hwpt_destroy, hwpt: h}
)") == 0);
}

// ---- accesses take part in the IOAS alignment ----

TEST_CASE("an access that pins pages raises the IOAS alignment to the page (iopt_add_access)") {
  // As TEST_F(iommufd_ioas, ioas_align_change) checks for the huge-pages option: with
  // the alignment raised, a fixed map at a sub-page IOVA or user offset is EINVAL;
  // raising it over a misaligned area is EADDRINUSE and changes nothing.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 4KiB}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: access_create, id: x, ioas: a}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4KiB}
  - {op: ioas_map, ioas: a, iova: 0x101800, user: guest, offset: 0x1800, length: 4KiB,
     expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x102000, user: guest, offset: 0x800, length: 4KiB,
     expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x102000, user: guest, offset: 0x2000, length: 2KiB,
     expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x102000, user: guest, offset: 0x2000, length: 4KiB}
  - {op: access_pin, access: x, iova: 0x102000, length: 4KiB}
  - {op: access_destroy, access: x}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_map, ioas: a, iova: 0x201800, user: guest, offset: 0x1800, length: 4KiB}
  - {op: access_create, id: y, ioas: a, expect: EADDRINUSE}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_destroy, ioas: a}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: b, iova: 0x300000, user: guest, offset: 0x800, length: 4KiB}
  - {op: access_create, id: y, ioas: b, expect: EADDRINUSE}
  - {op: ioas_unmap, ioas: b, iova: 0x300000, length: 4KiB}
  - {op: access_create, id: y, ioas: b}
  - {op: ioas_iova_ranges, ioas: b, expect_alignment: 4KiB}
  - {op: access_destroy, access: y}
)") == 0);
}

TEST_CASE("alignment with a domain and an access: the larger holds until both are gone") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: access_create, id: x, ioas: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: hwpt_destroy, hwpt: h}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4KiB}
  - {op: ioas_map, ioas: a, iova: 0x100800, user: guest, length: 2KiB, expect: EINVAL}
  - {op: access_destroy, access: x}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_map, ioas: a, iova: 0x100800, user: guest, length: 2KiB}
)") == 0);
}
