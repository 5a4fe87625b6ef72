// The kernel's own iommufd selftests (tools/testing/selftests/iommu/iommufd.c),
// translated into our host operations: each case names the TEST_F it mirrors and
// expects the kernel's answers.
#include <doctest/doctest.h>

#include "host-sw/vmm/object_table.h"
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
  - {op: hwpt_alloc, id: h, ioas: a, pasid: true}
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

// ---- object IDs as data ----

TEST_CASE("object IDs: lowest free from 1, reused after destroy, 0 and stale IDs ENOENT") {
  ObjectTable t;
  CHECK(t.add(ObjectType::Ioas, "a") == 1);
  CHECK(t.add(ObjectType::Hwpt, "h") == 2);
  CHECK(t.add(ObjectType::Access, "x") == 3);
  const ObjectRef* ref = nullptr;
  CHECK(t.get(0, std::nullopt, ref) == Errno::Enoent);
  CHECK(t.get(4, std::nullopt, ref) == Errno::Enoent);
  CHECK(t.get(2, ObjectType::Ioas, ref) == Errno::Enoent);  // another type
  REQUIRE(t.get(2, ObjectType::Hwpt, ref) == Errno::Ok);
  CHECK(ref->name == "h");
  t.remove(ObjectType::Hwpt, "h");
  CHECK(t.get(2, std::nullopt, ref) == Errno::Enoent);  // stale
  CHECK(!t.id_of(ObjectType::Hwpt, "h"));
  CHECK(t.add(ObjectType::Ioas, "b") == 2);  // xa_alloc gives the lowest free ID
  CHECK(t.add(ObjectType::Ioas, "c") == 4);
  CHECK(*t.id_of(ObjectType::Ioas, "c") == 4);
  CHECK(t.size() == 4);
}

TEST_CASE("TEST_F(iommufd, cmd_fail): IOMMU_DESTROY of ID 0 is ENOENT, and destroy by ID") {
  // IDs here: a 1, h 2, x 3 (a failed create takes none); after h goes, g gets 2.
  CHECK(failures(R"(
setup:
  - {op: destroy, object_id: 0, expect: ENOENT}
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: a, expect: EEXIST}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: access_create, id: x, ioas: a}
  - {op: destroy, object_id: 4, expect: ENOENT}
  - {op: destroy, object_id: 1, expect: EBUSY}
  - {op: destroy, object_id: 3, expect: EBUSY}
  - {op: attach, device: nic0, hwpt: h}
  - {op: destroy, object: h, expect: EBUSY}
  - {op: detach, device: nic0}
  - {op: destroy, object_id: 2}
  - {op: destroy, object_id: 2, expect: ENOENT}
  - {op: destroy, object: h, expect: ENOENT}
  - {op: hwpt_destroy, hwpt: h, expect: ENOENT}
  - {op: hwpt_alloc, id: g, ioas: a}
  - {op: destroy, object_id: 2}
  - {op: access_destroy, access: x}
  - {op: destroy, object: x, expect: ENOENT}
  - {op: destroy, object: a}
  - {op: destroy, object_id: 1, expect: ENOENT}
  - {op: ioas_destroy, ioas: a, expect: ENOENT}
)") == 0);
}

TEST_CASE("an operation aimed at another type of object is ENOENT (iommufd_get_object)") {
  // attach and replace are not here: their pt_id takes an IOAS (an automatic domain)
  // and is EINVAL for other types (conformance_auto_domain_test.cpp). Nor is
  // hwpt_alloc's pt_id, looked up as any object: a paging HWPT takes the nested path
  // (no data: EOPNOTSUPP), an access is EINVAL.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: access_create, id: x, ioas: a}
  - {op: ioas_map, ioas: h, iova: 0x100000, user: guest, length: 64KiB, expect: ENOENT}
  - {op: ioas_option, option: huge_pages, ioas: x, set: 0, expect: ENOENT}
  - {op: ioas_destroy, ioas: h, expect: ENOENT}
  - {op: hwpt_destroy, hwpt: a, expect: ENOENT}
  - {op: hwpt_alloc, id: g, ioas: h, expect: EOPNOTSUPP}
  - {op: hwpt_alloc, id: g2, ioas: x, expect: EINVAL}
  - {op: access_pin, access: a, iova: 0x100000, length: 4KiB, expect: ENOENT}
  - {op: access_destroy, access: h, expect: ENOENT}
  - {op: access_destroy, access: x}
  - {op: hwpt_destroy, hwpt: h}
  - {op: ioas_destroy, ioas: a}
)") == 0);
}

TEST_CASE("object names share one space: a name of another kind is an input error") {
  CHECK_THROWS_WITH_AS(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: a, ioas: a}
)"),
                       doctest::Contains("share one name space"), InputError);
  CHECK_THROWS_WITH_AS(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: destroy, object: b}
)"),
                       doctest::Contains("no IOAS, HWPT, access, vIOMMU, vDEVICE"), InputError);
  CHECK_THROWS_AS(failures(R"(
setup:
  - {op: destroy, object: b, object_id: 1}
)"),
                  InputError);
}
