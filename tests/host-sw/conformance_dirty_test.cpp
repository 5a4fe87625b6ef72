// The kernel selftest's dirty-tracking fixture (FIXTURE(iommufd_dirty_tracking) in
// tools/testing/selftests/iommu/iommufd.c) and its buffer-size variants, in our terms.
// The kernel maps a buffer at the mock aperture's start, allocates a dirty-tracking
// HWPT, enables tracking, marks every other IOPTE dirty through the mock domain and
// reads the bitmap three times: aligned, half a page in (MOCK_PAGE_SIZE = 2 KiB bytes)
// and at byte 0xff1 (not u64-aligned); each read must give exactly the marked IOPTEs'
// bits, and a second read none (or the same again with NO_CLEAR).
//
// Ours: the D bits are set by DMA writes through the real IOMMU core (one per marked
// leaf), the buffer is VMM memory of 4 KiB or 2 MiB pages (the kernel's hugepage
// variants; with 2 MiB pages and a 2 MiB-aligned IOVA the domain maps 2 MiB leaves,
// the mock's huge IOPTE), the bitmap placement is `bitmap_offset` (0, 2048, 4081) and
// the bit granule is both our page (4 KiB: one bit per 4 KiB leaf) and the kernel's
// MOCK_PAGE_SIZE (2 KiB: two bits per 4 KiB leaf, as the mock's page size is half the
// CPU's). `expect_dirty` compares the whole bitmap, decoded to IOVA ranges, with the
// marked leaves: any missing or extra bit fails the step.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB;
constexpr uint64_t kBase = 16 * kMiB;  // MOCK_APERTURE_START
constexpr Ps kPhase = 5 * kMs;         // one placement and granule: dirty, then the reads

std::string hex(uint64_t v) {
  char b[24];
  snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// The exact bitmap, as IOVA ranges: every other leaf of `leaf` bytes from kBase.
std::string marked(uint64_t size, uint64_t leaf) {
  std::string s = "[";
  for (uint64_t at = 0; at < size; at += 2 * leaf)
    s += (at ? ", \"" : "\"") + hex(kBase + at) + "+" + hex(leaf) + "\"";
  return s + "]";
}

std::string read(Ps at, uint64_t size, uint64_t granule, uint64_t offset, bool no_clear,
                 const std::string& expect) {
  return "  - {at: " + std::to_string(at / kUs) +
         "us, op: get_dirty_bitmap, hwpt: hwpt0, iova: " + hex(kBase) + ", length: " + hex(size) +
         ", page_size: " + hex(granule) + ", bitmap_offset: " + std::to_string(offset) +
         (no_clear ? ", flags: [no_clear]" : "") + ", expect_dirty: " + expect + "}\n";
}

// One fixture instance: `size` bytes of `backing` pages mapped at kBase, tracking on;
// per placement and granule, every other leaf dirtied and read as the kernel test reads
// it. Returns the failed steps.
int64_t run_fixture(uint64_t size, uint64_t backing, bool no_clear) {
  const uint64_t mem = (size + backing - 1) / backing * backing;
  // 2 MiB leaves need a 2 MiB-aligned IOVA, 2 MiB pages and a whole 2 MiB to map.
  const uint64_t leaf = backing == 2 * kMiB && size % (2 * kMiB) == 0 ? 2 * kMiB : 4 * kKiB;
  std::string yaml =
      "memory: [{name: guest, size: " + hex(mem) +
      ", backing: " + (backing == 4 * kKiB ? "4KiB" : "2MiB") +
      "}]\nsetup:\n  - {op: ioas_alloc, id: ioas0}\n"
      "  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}\n"
      "  - {op: attach, device: nic0, hwpt: hwpt0}\n"
      "  - {op: ioas_map, ioas: ioas0, iova: " +
      hex(kBase) + ", user: guest, length: " + hex(size) +
      "}\nsteps:\n  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}\n";
  const std::string all = marked(size, leaf);
  std::vector<Ps> dirty_at;
  int phase = 0;
  for (uint64_t granule : {4 * kKiB, 2 * kKiB})
    for (uint64_t offset : {0, 2048, 0xff1}) {
      const Ps t = ++phase * kPhase;
      dirty_at.push_back(t);
      if (no_clear) {
        // get_dirty_bitmap_no_clear: the same bits twice; then a clearing read returns
        // them and the one after it none.
        yaml += read(t + 1 * kMs, size, granule, offset, true, all);
        yaml += read(t + 2 * kMs, size, granule, offset, true, all);
        yaml += read(t + 3 * kMs, size, granule, offset, false, all);
        yaml += read(t + 4 * kMs, size, granule, offset, false, "[]");
      } else {
        yaml += read(t + 1 * kMs, size, granule, offset, false, all);
        yaml += read(t + 2 * kMs, size, granule, offset, false, "[]");
      }
    }
  yaml += "cost: {syscall: 0, table_visit: 0, pte_scan: 0, pte_clear: 0, bitmap_write: 0}\n";
  HostRig rig(yaml);
  for (Ps t : dirty_at) {
    Ps w = t;
    // A write inside the leaf (not at its head) dirties the whole leaf.
    for (uint64_t at = 0; at < size; at += 2 * leaf) rig.write_at(w++, kBase + at + leaf / 2);
  }
  rig.run(Ps(phase + 1) * kPhase + kMs);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
  return rig.stat("host.steps_failed");
}

void variant(uint64_t size, bool no_clear) {
  for (uint64_t backing : {4 * kKiB, 2 * kMiB}) {
    CAPTURE(backing);
    CHECK(run_fixture(size, backing, no_clear) == 0);
  }
}

}  // namespace

TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variant domain_dirty8k") {
  variant(8 * kKiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variant domain_dirty16k") {
  variant(16 * kKiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variant domain_dirty128k") {
  variant(128 * kKiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variant domain_dirty256k") {
  variant(256 * kKiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variant domain_dirty640k") {
  variant(640 * kKiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variants domain_dirty128M(_huge)") {
  variant(128 * kMiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap) variants domain_dirty256M(_huge)") {
  variant(256 * kMiB, false);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variant domain_dirty8k") {
  variant(8 * kKiB, true);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variant domain_dirty16k") {
  variant(16 * kKiB, true);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variant domain_dirty128k") {
  variant(128 * kKiB, true);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variant domain_dirty256k") {
  variant(256 * kKiB, true);
}
TEST_CASE("TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variant domain_dirty640k") {
  variant(640 * kKiB, true);
}
TEST_CASE(
    "TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variants domain_dirty128M(_huge)") {
  variant(128 * kMiB, true);
}
TEST_CASE(
    "TEST_F(iommufd_dirty_tracking, get_dirty_bitmap_no_clear) variants domain_dirty256M(_huge)") {
  variant(256 * kMiB, true);
}
