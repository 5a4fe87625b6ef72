// The kernel's selftests for in-kernel accesses (tools/testing/selftests/iommu/
// iommufd.c): iommufd_access_rw and moving an access to another IOAS; each case names
// the test it mirrors (attaching to an IOAS: conformance_auto_domain_test.cpp).
#include <doctest/doctest.h>

#include <random>

#include "host-sw/ops/byte_pattern.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBuffer = 16 * kPage;  // the selftest's BUFFER_SIZE
constexpr uint64_t kGuestVa = 0x7f0000000000;

std::string hex_bytes(const std::vector<uint8_t>& v, uint64_t from, uint64_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint64_t i = from; i < from + n; ++i) s += {d[v[i] >> 4], d[v[i] & 15]};
  return s;
}

// check_access_rw: the buffer filled (here by a patterned write through the access),
// then around the first page boundary every IOVA from PAGE_SIZE - 50 to PAGE_SIZE + 49
// and every length from 1 to 63 read (must match the buffer) and written with random
// bytes (the buffer follows), then the whole buffer read in one call. `shadow` is the
// buffer as the CPU would see it.
void check_access_rw(std::string& y, std::vector<uint8_t>& shadow, uint64_t iova, bool slow,
                     uint64_t seed) {
  const std::string path = slow ? ", slow_path: true" : "";
  y += "  - {op: access_rw, access: x, iova: " + hex(iova) + ", length: " + hex(kBuffer) +
       ", write: true, pattern: " + std::to_string(seed) + path + "}\n";
  for (uint64_t i = 0; i < kBuffer; ++i) shadow[i] = pattern_byte(seed, iova + i);
  std::mt19937 rng{unsigned(seed)};
  for (uint64_t off = kPage - 50; off < kPage + 50; ++off)
    for (uint64_t len = 1; len < 64; ++len) {
      y += "  - {op: access_rw, access: x, iova: " + hex(iova + off) + ", expect_data: '" +
           hex_bytes(shadow, off, len) + "'" + path + "}\n";
      for (uint64_t i = 0; i < len; ++i) shadow[off + i] = uint8_t(rng());
      y += "  - {op: access_rw, access: x, iova: " + hex(iova + off) + ", write: true, data: '" +
           hex_bytes(shadow, off, len) + "'" + path + "}\n";
    }
  y += "  - {op: access_rw, access: x, iova: " + hex(iova) + ", expect_data: '" +
       hex_bytes(shadow, 0, kBuffer) + "'" + path + "}\n";
}

// The guest memory's first kBuffer bytes as the CPU sees them after the run.
std::vector<uint8_t> cpu_view(HostRig& rig) {
  std::vector<uint8_t> out(kBuffer);
  for (uint64_t i = 0; i < kBuffer; i += kPage)
    rig.mem.read(*rig.host->vmm().pa(kGuestVa + i), out.data() + i, kPage);
  return out;
}

}  // namespace

TEST_CASE("TEST_F(iommufd_ioas, access_rw): reads and writes through an access, both paths") {
  // An access that does not pin (the selftest's flags 0), the buffer mapped at an
  // allocated IOVA; check_access_rw on the fast path, then on the slow path.
  std::vector<uint8_t> shadow(kBuffer);
  std::string y = R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: access_create, id: x, ioas: a, pin_pages: false}
  - {op: ioas_map, ioas: a, user: guest, length: 64KiB, iova: 0x100000}
)";
  check_access_rw(y, shadow, 0x100000, false, 1);
  check_access_rw(y, shadow, 0x100000, true, 2);
  y += R"(
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB}
  - {op: access_destroy, access: x}
)";
  HostRig rig(std::string(kMem) + y);
  CHECK(checked_run(rig) == 0);
  CHECK(cpu_view(rig) == shadow);  // the writes reached the user's memory
}

TEST_CASE("TEST_F(iommufd_ioas, access_rw_unaligned): an area at a sub-page IOVA") {
  // The buffer (page-aligned) mapped at base + MOCK_PAGE_SIZE: an access that does not
  // pin leaves the IOAS alignment at 1, so the map is allowed, and every byte lands
  // at its user address.
  std::vector<uint8_t> shadow(kBuffer);
  std::string y = R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: access_create, id: x, ioas: a, pin_pages: false}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_map, ioas: a, user: guest, length: 64KiB, iova: 0x100800}
)";
  check_access_rw(y, shadow, 0x100800, false, 3);
  y += R"(
  - {op: ioas_unmap, ioas: a, iova: 0x100800, length: 64KiB}
  - {op: access_destroy, access: x}
)";
  HostRig rig(std::string(kMem) + y);
  CHECK(checked_run(rig) == 0);
  CHECK(cpu_view(rig) == shadow);
}

TEST_CASE("iommufd_access_rw: the kernel's errno order") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: access_create, id: x, ioas: a, pin_pages: false}
  - {op: access_create, id: p, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 8KiB}
  - {op: ioas_map, ioas: a, iova: 0x102000, user: guest, offset: 1MiB, length: 8KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, offset: 2MiB, length: 4KiB, prot: r}
  - {op: ioas_map, ioas: a, iova: 0x300000, user: guest, offset: 3MiB, length: 4KiB, prot: w}
  # length 0, past the top, nothing mapped, a hole after a mapped part
  - {op: access_rw, access: x, iova: 0x100000, length: 0, expect: EINVAL}
  - {op: access_rw, access: x, iova: 0xfffffffffffff000, length: 0x2000, expect: EOVERFLOW}
  - {op: access_rw, access: x, iova: 0x50000, length: 16, expect: ENOENT}
  - {op: access_rw, access: x, iova: 0x103ff0, length: 32, expect: ENOENT}
  # two contiguous areas read as one: bytes from two places in user memory
  - {op: access_rw, access: x, iova: 0x101ff0, length: 32, write: true, pattern: 9}
  - {op: access_rw, access: x, iova: 0x101ff0, length: 32, expect_pattern: 9}
  - {op: access_rw, access: x, iova: 0x101ff0, length: 32, expect_pattern: 9, slow_path: true}
  # the area's rights: writing a read-only one, reading a write-only one
  - {op: access_rw, access: x, iova: 0x200000, length: 8, write: true, data: '0102030405060708',
     expect: EPERM}
  - {op: access_rw, access: x, iova: 0x200000, length: 8}
  - {op: access_rw, access: x, iova: 0x300000, length: 8, expect: EPERM}
  - {op: access_rw, access: x, iova: 0x300000, write: true, data: 'a1b2'}
  # the selftest's kernel buffer bound, an object that is not an access
  - {op: access_rw, access: x, iova: 0x100000, length: 17MiB, expect: ENOMEM}
  - {op: access_rw, access: a, iova: 0x100000, length: 8, expect: ENOENT}
  # an access that does not pin cannot pin
  - {op: access_pin, access: x, iova: 0x100000, length: 4KiB, expect: EINVAL}
  - {op: access_destroy, access: x}
  - {op: access_destroy, access: p}
)") == 0);
}

TEST_CASE("access_rw: a read that finds other bytes fails the step") {
  // The negative control for every expect_data / expect_pattern above.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: access_create, id: x, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 8KiB}
  - {op: access_rw, access: x, iova: 0x100000, length: 4, write: true, data: '00112233'}
  - {op: access_rw, access: x, iova: 0x100000, expect_data: '00112234'}
  - {op: access_rw, access: x, iova: 0x100000, length: 4, expect_pattern: 5}
)") == 2);
}

TEST_CASE("access_rw: the user memory gone is EFAULT, pinned pages and domains are read back") {
  // Fast path: copy_to_user faults where the VMM unmapped its memory (nothing stores
  // the lazy area's pages). Slow path: the pfn_reader cannot pin them either. With a
  // domain the slow path reads the PFNs from its page table, and pinned pages from the
  // pinned_pfns tier; a copy into another IOAS sees the same bytes.
  CHECK(failures(R"(
setup:
  - {op: mmap, user: extra, size: 1MiB}
  - {op: ioas_alloc, id: a}
  - {op: access_create, id: x, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: extra, length: 64KiB}
  - {op: access_rw, access: x, iova: 0x100000, length: 64, write: true, pattern: 4}
  - {op: munmap, user: extra}
  - {op: access_rw, access: x, iova: 0x100000, length: 64, expect: EFAULT}
  - {op: access_rw, access: x, iova: 0x100000, length: 64, slow_path: true, expect: EFAULT}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: access_rw, access: x, iova: 0x100ffc, length: 8, write: true, data: '0102030405060708'}
  - {op: access_pin, access: x, iova: 0x101000, length: 4KiB}
  - {op: access_rw, access: x, iova: 0x100ffc, slow_path: true, expect_data: '0102030405060708'}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: access_rw, access: x, iova: 0x100ffc, slow_path: true, expect_data: '0102030405060708'}
  - {op: access_rw, access: x, iova: 0x104000, length: 4KiB, write: true, pattern: 6, slow_path: true}
  - {op: ioas_alloc, id: b}
  - {op: access_create, id: y, ioas: b}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, dst_iova: 0x900000,
     length: 64KiB}
  - {op: access_rw, access: y, iova: 0x900ffc, expect_data: '0102030405060708'}
  - {op: access_unpin, access: x, iova: 0x101000, length: 4KiB}
  - {op: access_destroy, access: x}
  - {op: access_destroy, access: y}
  - {op: hwpt_destroy, hwpt: h}
)") == 0);
}

// ---- moving an access to another IOAS ----

TEST_CASE("TEST_F(iommufd_mock_domain, user_copy): the access moves to a new IOAS") {
  // Pin in an IOAS without domains, copy into the one with the mock domain; then move
  // the access to a new IOAS (IOMMU_TEST_OP_ACCESS_REPLACE_IOAS), destroy the old one
  // (the access no longer holds it) and do it all again from the new IOAS.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_alloc, id: src}
  - {op: ioas_map, ioas: src, user: guest, length: 64KiB, save_iova: s}
  - {op: access_create, id: x, ioas: src}
  - {op: access_pin, access: x, iova: s, length: 64KiB}
  - {op: ioas_copy, src_ioas: src, src_iova: s, dst_ioas: a, dst_iova: 0x1000000, length: 64KiB}
  - {op: ioas_alloc, id: new}
  - {op: ioas_map, ioas: new, user: guest, length: 64KiB, save_iova: s2}
  - {op: access_replace, access: x, ioas: new}
  - {op: ioas_unmap, ioas: a, iova: 0x1000000, length: 64KiB}
  - {op: destroy, object: src}
  - {op: access_pin, access: x, iova: s2, length: 64KiB}
  - {op: ioas_copy, src_ioas: new, src_iova: s2, dst_ioas: a, dst_iova: 0x1000000,
     length: 64KiB}
  - {op: access_unpin, access: x, iova: s2, length: 64KiB}
  - {op: access_destroy, access: x}
  - {op: detach, device: nic0}
)") == 0);
}

TEST_CASE("access_replace (iommufd_access_replace): pins dropped, alignment moves, errnos") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: ioas_alloc, id: c}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: c, iova: 0x100800, user: guest, length: 4KiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x100000, length: 8KiB}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: access_replace, access: x, ioas: h, expect: ENOENT}
  - {op: access_replace, access: h, ioas: b, expect: ENOENT}
  # the same IOAS changes nothing: the pin stays
  - {op: access_replace, access: x, ioas: a}
  # a misaligned area in the new IOAS: refused, the access stays with its pins
  - {op: access_replace, access: x, ioas: c, expect: EADDRINUSE}
  - {op: ioas_iova_ranges, ioas: c, expect_alignment: 1}
  - {op: ioas_destroy, ioas: a, expect: EBUSY}
  - {op: access_replace, access: x, ioas: b}
  - {op: ioas_iova_ranges, ioas: b, expect_alignment: 4KiB}
  # the pin went with the move (the driver's unmap callback)
  - {op: access_unpin, access: x, iova: 0x100000, length: 8KiB, expect: ENOENT}
  - {op: hwpt_destroy, hwpt: h}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1}
  - {op: ioas_destroy, ioas: a}
  - {op: ioas_map, ioas: b, iova: 0x100800, user: guest, length: 4KiB, expect: EINVAL}
  - {op: access_destroy, access: x}
  - {op: ioas_map, ioas: b, iova: 0x100800, user: guest, length: 4KiB}
  - {op: ioas_destroy, ioas: b}
)") == 0);
}

TEST_CASE("access_replace: an access that does not pin moves without raising alignment") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: c}
  - {op: ioas_map, ioas: c, iova: 0x100800, user: guest, length: 4KiB}
  - {op: access_create, id: x, ioas: a, pin_pages: false}
  - {op: access_replace, access: x, ioas: c}
  - {op: access_rw, access: x, iova: 0x100800, length: 16, write: true, pattern: 3}
  - {op: access_rw, access: x, iova: 0x100800, length: 16, expect_pattern: 3}
  - {op: ioas_destroy, ioas: a}
  - {op: ioas_destroy, ioas: c, expect: EBUSY}
  - {op: access_destroy, access: x}
)") == 0);
}
