// The selftests of iommufd's VFIO compatibility container (tools/testing/selftests/
// iommu/iommufd.c, the `iommufd` fixture's VFIO ioctls and the vfio_compat_mock_domain
// fixture), translated into our host operations: the vfio_* operations without `ioas`
// are the compat ioctls, served by the compat IOAS that vfio_ioas sets.
#include <doctest/doctest.h>

#include <string>

#include "host-sw/iommufd/vfio_compat.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// The fixture: an IOAS with a device attached through a HWPT (the selftest's mock
// domain) made the compat IOAS, then SET_IOMMU of the variant's type.
std::string compat_fixture(const char* type) {
  return std::string(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_set_iommu, type: )") +
         type + "}\n";
}

// The usable ranges with nic0 attached: its 48-bit aperture less the MSI window.
const char* kRanges = R"(["0-0xfedfffff", "0xfef00000-0xffffffffffff"])";
// DMA_AVAIL (16 with its padding) and IOVA_RANGE with two entries (16 + 2 * 16).
constexpr uint32_t kInfoTotal = 24 + 16 + 16 + 2 * 16;

}  // namespace

TEST_CASE("TEST_F(iommufd, simple_ioctls): API version 0, TYPE1v2 supported") {
  CHECK(failures(R"(
setup:
  - {op: vfio_get_api_version, expect_version: 0}
  - {op: vfio_check_extension, extension: type1v2, expect_value: 1}
)") == 0);
}

TEST_CASE("VFIO_CHECK_EXTENSION on iommufd: what the compat layer says it supports") {
  // TYPE1, TYPE1v2 and UNMAP_ALL; no no-IOMMU mode (CONFIG_VFIO_NOIOMMU off), neither
  // the retired nesting type nor UPDATE_VADDR nor SPAPR; DMA_CC_IOMMU asks the compat
  // IOAS, so it is ENODEV until there is one.
  CHECK(failures(R"(
setup:
  - {op: vfio_check_extension, extension: type1, expect_value: 1}
  - {op: vfio_check_extension, extension: unmap_all, expect_value: 1}
  - {op: vfio_check_extension, extension: noiommu, expect_value: 0}
  - {op: vfio_check_extension, extension: type1_nesting, expect_value: 0}
  - {op: vfio_check_extension, extension: update_vaddr, expect_value: 0}
  - {op: vfio_check_extension, extension: spapr_tce, expect_value: 0}
  - {op: vfio_check_extension, extension: eeh, expect_value: 0}
  - {op: vfio_check_extension, extension: dma_cc, expect: ENODEV}
  - {op: ioas_alloc, id: a}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_check_extension, extension: dma_cc, expect_value: 1}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: vfio_check_extension, extension: dma_cc, expect_value: 1}
)") == 0);
  // A wrong expectation fails the step: the value is really checked.
  CHECK(failures(R"(
setup:
  - {op: vfio_check_extension, extension: noiommu, expect_value: 1}
  - {op: vfio_get_api_version, expect_version: 1}
)") == 2);
}

TEST_CASE("TEST_F(iommufd, unmap_cmd): short argsz and unknown flags EINVAL, then ENODEV") {
  CHECK(failures(R"(
setup:
  - {op: vfio_unmap_dma, argsz: 1, iova: 0x1000000, length: 4KiB, expect: EINVAL}
  - {op: vfio_unmap_dma, extra_flags: 0x80000000, iova: 0x1000000, length: 4KiB, expect: EINVAL}
  - {op: vfio_unmap_dma, iova: 0x1000000, length: 4KiB, expect: ENODEV}
)") == 0);
}

TEST_CASE("TEST_F(iommufd, map_cmd): short argsz and unknown flags EINVAL, then ENODEV") {
  CHECK(failures(R"(
setup:
  - {op: vfio_map_dma, argsz: 1, iova: 0x1000000, user: guest, length: 4KiB, expect: EINVAL}
  - {op: vfio_map_dma, extra_flags: 0x80000000, iova: 0x1000000, user: guest, length: 4KiB,
     expect: EINVAL}
  - {op: vfio_map_dma, iova: 0x1000000, user: guest, length: 4KiB, expect: ENODEV}
)") == 0);
}

TEST_CASE("TEST_F(iommufd, info_cmd): argsz below 16 EINVAL, then ENODEV") {
  CHECK(failures(R"(
setup:
  - {op: vfio_iommu_get_info, argsz: 1, expect: EINVAL}
  - {op: vfio_iommu_get_info, argsz: 15, expect: EINVAL}
  - {op: vfio_iommu_get_info, argsz: 24, expect: ENODEV}
)") == 0);
}

TEST_CASE("TEST_F(iommufd, set_iommu_cmd): without a compat IOAS ENODEV for both types") {
  CHECK(failures(R"(
setup:
  - {op: vfio_set_iommu, type: type1v2, expect: ENODEV}
  - {op: vfio_set_iommu, type: type1, expect: ENODEV}
  - {op: vfio_set_iommu, type: noiommu, expect: EINVAL}
  - {op: vfio_set_iommu, type: spapr_tce, expect: EINVAL}
)") == 0);
}

TEST_CASE("TEST_F(iommufd, vfio_ioas): GET, SET, CLEAR of the compat IOAS") {
  CHECK(failures(R"(
setup:
  - {op: vfio_ioas, cmd: get, expect: ENODEV}
  - {op: ioas_alloc, id: gone}
  - {op: ioas_destroy, ioas: gone}
  - {op: vfio_ioas, cmd: set, ioas: gone, expect: ENOENT}
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: vfio_ioas, cmd: set, ioas: h, expect: ENOENT}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_ioas, cmd: get, expect_ioas: a}
  - {op: vfio_ioas, cmd: clear}
  - {op: vfio_ioas, cmd: get, expect: ENODEV}
  - {op: ioas_alloc, id: b}
  - {op: vfio_ioas, cmd: set, ioas: b}
  - {op: ioas_destroy, ioas: b}
  - {op: vfio_ioas, cmd: get, expect: ENODEV}
  - {op: vfio_map_dma, iova: 0x1000000, user: guest, length: 4KiB, expect: ENODEV}
)") == 0);
}

TEST_CASE("TEST_F(vfio_compat_mock_domain, option_huge_pages): type1 turns large pages off") {
  CHECK(failures(compat_fixture("type1v2") + R"(
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 1}
)") == 0);
  CHECK(failures(compat_fixture("type1") + R"(
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 0}
)") == 0);
}

TEST_CASE("TEST_F(vfio_compat_mock_domain, get_info): every argsz, no overflow, a sound chain") {
  for (const char* type : {"type1v2", "type1"}) {
    INFO(type);
    std::string y = compat_fixture(type);
    // Pre-cap ABI (argsz 16): flags and page sizes, and the size that fits all.
    y += "  - {op: vfio_iommu_get_info, argsz: 16, expect_flags: [pgsizes, caps], "
         "expect_pgsizes: 0x40201000, expect_argsz: " +
         std::to_string(kInfoTotal) + "}\n";
    // The struct alone: no caps yet (cap_offset 0), the size they need.
    y += "  - {op: vfio_iommu_get_info, argsz: 24, expect_flags: [pgsizes, caps], "
         "expect_cap_offset: 0, expect_argsz: " +
         std::to_string(kInfoTotal) + "}\n";
    // Every size up to it (each checked for writes past argsz and a walkable chain).
    for (uint32_t a = 24; a < kInfoTotal; ++a)
      y += "  - {op: vfio_iommu_get_info, argsz: " + std::to_string(a) +
           ", expect_cap_offset: 0, expect_flags: [pgsizes, caps]}\n";
    // Room for all: both caps, the ranges the IOAS can use, iommufd's U32_MAX.
    for (uint32_t a : {kInfoTotal, kInfoTotal + 1, 4096u})
      y += "  - {op: vfio_iommu_get_info, argsz: " + std::to_string(a) +
           ", expect_cap_offset: 24, expect_argsz: " + std::to_string(kInfoTotal) +
           ", expect_dma_avail: 0xffffffff, expect_ranges: " + kRanges + "}\n";
    CHECK(failures(y) == 0);
  }
}

TEST_CASE("VFIO_IOMMU_GET_INFO on iommufd follows the IOAS: ranges, alignment, domains") {
  // No domain: one range, every page size from 4 KiB (PAGE_MASK); allowed ranges do
  // not narrow it (the holes of the reserved ranges only, as IOVA_RANGES).
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_iommu_get_info, argsz: 4096, expect_pgsizes: 0xfffffffffffff000,
     expect_argsz: 72, expect_ranges: ["0-0xffffffffffffffff"]}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0x100000-0x1fffff"]}
  - {op: vfio_iommu_get_info, argsz: 4096, expect_ranges: ["0-0xffffffffffffffff"]}
  - {op: ioas_allow_iovas, ioas: a, ranges: []}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: vfio_iommu_get_info, argsz: 4096, expect_pgsizes: 0x40201000, expect_argsz: 72,
     expect_ranges: ["0-0xffffffffffff"]}
)") == 0);
  // A wrong expectation fails: the chain is really read.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_iommu_get_info, argsz: 4096, expect_ranges: ["0-0xffffffff"]}
  - {op: vfio_iommu_get_info, argsz: 24, expect_ranges: ["0-0xffffffffffffffff"]}
)") == 2);
}

TEST_CASE("TEST_F(vfio_compat_mock_domain, map): map, unmap, UNMAP_ALL, small pages") {
  for (const char* type : {"type1v2", "type1"}) {
    INFO(type);
    CHECK(failures(compat_fixture(type) + R"(
  - {op: vfio_map_dma, iova: 0x1000000, user: guest, length: 64KiB}
  - {op: vfio_unmap_dma, iova: 0x1000000, length: 64KiB, expect_length: 64KiB}
  - {op: vfio_map_dma, iova: 0x1000000, user: guest, length: 64KiB}
  - {op: vfio_unmap_dma, flags: [all], iova: 0x1000000, length: 64KiB, expect: EINVAL}
  - {op: vfio_unmap_dma, flags: [all], expect_length: 64KiB}
  - {op: vfio_unmap_dma, iova: 0x1000000, length: 64KiB, expect_length: 0}
  - {op: vfio_map_dma, iova: 0x1000000, user: guest, offset: 0, length: 4KiB}
  - {op: vfio_map_dma, iova: 0x1001000, user: guest, offset: 4KiB, length: 4KiB}
  - {op: vfio_map_dma, iova: 0x1002000, user: guest, offset: 8KiB, length: 4KiB}
  - {op: vfio_map_dma, iova: 0x1003000, user: guest, offset: 12KiB, length: 4KiB}
  - {op: vfio_map_dma, iova: 0x1003000, user: guest, offset: 12KiB, length: 4KiB, expect: EEXIST}
  - {op: vfio_unmap_dma, iova: 0x1002000, length: 4KiB, expect_length: 4KiB}
  - {op: vfio_unmap_dma, iova: 0x1000000, length: 4KiB, expect_length: 4KiB}
  - {op: vfio_unmap_dma, iova: 0x1003000, length: 4KiB, expect_length: 4KiB}
  - {op: vfio_unmap_dma, iova: 0x1001000, length: 4KiB, expect_length: 4KiB}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: )" +
                   kRanges + "}\n") == 0);
  }
}

TEST_CASE("TEST_F(vfio_compat_mock_domain, huge_map): type1 cuts huge mappings, type1v2 ENOENT") {
  // 4 MiB of 2 MiB pages unmapped in 16 pieces, shuffled: v1 (large pages off) cuts
  // each out; v2 would split the mapping, which iommufd refuses with ENOENT.
  const char* pieces[] = {"0x1280000", "0x1000000", "0x13c0000", "0x1040000",
                          "0x1100000", "0x1380000", "0x10c0000", "0x1200000",
                          "0x1340000", "0x1080000", "0x12c0000", "0x1140000",
                          "0x1300000", "0x11c0000", "0x1240000", "0x1180000"};
  for (const char* type : {"type1v2", "type1"}) {
    INFO(type);
    const bool v1 = std::string(type) == "type1";
    std::string y = compat_fixture(type) +
                    "  - {op: vfio_map_dma, iova: 0x1000000, user: huge, length: 4MiB}\n";
    for (const char* at : pieces)
      y += std::string("  - {op: vfio_unmap_dma, iova: ") + at + ", length: 256KiB" +
           (v1 ? ", expect_length: 256KiB}\n" : ", expect: ENOENT}\n");
    // v1 left nothing; v2 still holds the whole mapping.
    y += std::string("  - {op: vfio_unmap_dma, flags: [all], expect_length: ") +
         (v1 ? "0" : "4MiB") + "}\n";
    CHECK(failures(y) == 0);
  }
}

TEST_CASE("the VFIO type1 driver and iommufd's compat layer differ in their errnos") {
  // The same calls on a type1 driver container (ioas: c) and on the compat IOAS (a):
  // splitting a v2 mapping is EINVAL for the driver and ENOENT for iommufd; a range
  // with nothing mapped is success with size 0 for both (iommufd since it was fixed to
  // match); the dirty-page API exists only in the driver (compat: DIRTY_PAGES ENOTTY,
  // UNMAP with GET_DIRTY_BITMAP an unknown flag, EINVAL).
  CHECK(failures(compat_fixture("type1v2") + R"(
  - {op: ioas_alloc, id: c}
  - {op: vfio_set_iommu, ioas: c}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_map_dma, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 4KiB, expect: EINVAL}
  - {op: vfio_unmap_dma, iova: 0x100000, length: 4KiB, expect: ENOENT}
  - {op: vfio_unmap_dma, ioas: c, iova: 0x800000, length: 4KiB, expect_length: 0}
  - {op: vfio_unmap_dma, iova: 0x800000, length: 4KiB, expect_length: 0}
  - {op: vfio_map_dma, ioas: c, iova: 0x10f000, user: guest, length: 8KiB, expect: EEXIST}
  - {op: vfio_map_dma, iova: 0x10f000, user: guest, length: 8KiB, expect: EEXIST}
  - {op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {op: vfio_dirty_pages, flags: [start], expect: ENOTTY}
  - {op: vfio_unmap_dma, flags: [get_dirty_bitmap], iova: 0x100000, length: 64KiB,
     expect: EINVAL}
  - {op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 64KiB, expect_length: 64KiB}
  - {op: vfio_unmap_dma, iova: 0x100000, length: 64KiB, expect_length: 64KiB}
)") == 0);
}

namespace {
uint64_t le(const std::vector<uint8_t>& b, size_t at, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t(b[at + i]) << (8 * i);
  return v;
}
// GET_INFO of an IOAS with no domain (one range) into a buffer of argsz + 64 bytes of
// 0xAA, as the selftest's ioctl_check_buf.
std::vector<uint8_t> info_bytes(uint32_t argsz) {
  PinLedger ledger;
  IoPagetable iopt(ledger);
  std::vector<uint8_t> buf(argsz + 64, 0xAA);
  REQUIRE(vfio_compat::get_info(iopt, vfio_compat::pagesizes(iopt, 0), argsz, buf) == Errno::Ok);
  for (size_t i = argsz; i < buf.size(); ++i) REQUIRE(buf[i] == 0xAA);
  return buf;
}
}  // namespace

TEST_CASE("VFIO_IOMMU_GET_INFO's bytes (ioctl_check_buf of vfio_compat_mock_domain get_info)") {
  // One range: DMA_AVAIL at 24 (12 bytes, 16 aligned), IOVA_RANGE at 40 (16 + 16): 72.
  auto b = info_bytes(16);  // pre-cap ABI: only argsz, flags and iova_pgsizes go back
  CHECK(le(b, 0, 4) == 72);
  CHECK(le(b, 4, 4) == 3);  // PGSIZES | CAPS
  CHECK(le(b, 8, 8) == 0xfffffffffffff000ull);
  b = info_bytes(35);  // the struct, and no room for DMA_AVAIL: nothing of it
  CHECK(le(b, 16, 4) == 0);
  CHECK(le(b, 24, 4) == 0xAAAAAAAA);
  b = info_bytes(36);  // DMA_AVAIL fits, its link to the next cap does not go out
  CHECK(le(b, 24, 2) == vfio_compat::info::kCapDmaAvail);
  CHECK(le(b, 26, 2) == 1);
  CHECK(le(b, 28, 4) == 0);
  CHECK(le(b, 32, 4) == UINT32_MAX);
  b = info_bytes(40);  // now the link does; IOVA_RANGE has no room
  CHECK(le(b, 28, 4) == 40);
  CHECK(le(b, 16, 4) == 0);
  b = info_bytes(71);  // the head and the entry need 32: nothing of the range cap
  CHECK(le(b, 40, 8) == 0xAAAAAAAAAAAAAAAAull);
  CHECK(le(b, 16, 4) == 0);
  b = info_bytes(72);  // everything: cap_offset 24, the range [0, U64_MAX]
  CHECK(le(b, 16, 4) == 24);
  CHECK(le(b, 40, 2) == vfio_compat::info::kCapIovaRange);
  CHECK(le(b, 44, 4) == 0);  // the last cap
  CHECK(le(b, 48, 4) == 1);  // nr_iovas
  CHECK(le(b, 56, 8) == 0);
  CHECK(le(b, 64, 8) == UINT64_MAX);
  vfio_compat::InfoReply r;
  CHECK(vfio_compat::read_info(b, 72, r) == "");
  CHECK(r.ranges == std::vector<IovaRange>{{0, UINT64_MAX}});
  CHECK(r.dma_avail == UINT32_MAX);
  // A corrupted chain is reported, not walked.
  b[28] = 8;
  CHECK(vfio_compat::read_info(b, 72, r) != "");
}

TEST_CASE("VFIO_SET_IOMMU on iommufd: type1 cannot turn large pages off under mapped domains") {
  // iopt_disable_large_pages refuses while a domain holds areas (their IOPTEs may be
  // large already): EINVAL, and large pages stay on; type1v2 changes nothing; SET is
  // not needed to map, and the compat IOAS's maps are its areas.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: vfio_ioas, cmd: set, ioas: a}
  - {op: vfio_map_dma, iova: 0x200000, user: huge, length: 2MiB}
  - {op: vfio_set_iommu, type: type1, expect: EINVAL}
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 1}
  - {op: vfio_set_iommu, type: type1v2}
  - {op: vfio_unmap_dma, iova: 0x200000, length: 4KiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x200000, length: 2MiB, expect_length: 2MiB}
  - {op: vfio_set_iommu, type: type1}
  - {op: ioas_option, ioas: a, option: huge_pages, expect_value: 0}
)") == 0);
}
