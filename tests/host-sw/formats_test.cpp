// The driver over each page-table format: the largest leaf alignment and contiguity
// allow (AMD v1's replicated sizes included), harvests that OR and clear replicas,
// and Arm's writable-clean leaves around turning tracking on and off.
#include <doctest/doctest.h>

#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {
IommuConfig with_format(const char* name, unsigned levels = 4) {
  IommuConfig c;
  c.format = name;
  c.levels = levels;
  return c;
}
// 16 MiB + 64 KiB of 4 KiB pages at 0, then 2 MiB of one huge page at 0x1010000
// (64 KiB-aligned, not 2 MiB-aligned).
const char* kGuest = R"(
memory: [{name: guest, size: 16448KiB, backing: 4KiB}, {name: huge, size: 2MiB, backing: 2MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16448KiB}
  - {op: ioas_map, ioas: ioas0, iova: 0x1010000, user: huge, length: 2MiB}
)";
}  // namespace

TEST_CASE("amd-v1: 2 MiB backing at a 64 KiB-aligned IOVA maps replicated 64 KiB leaves") {
  HostRig rig(kGuest, with_format("amd-v1"));
  rig.run();
  // 4112 pages of guest, then 32 leaves of 16 replicas each, all in level-1 tables.
  CHECK(rig.stat("iommu.pt.leaves.4k") == 4112 + 32 * 16);
  CHECK(rig.stat("iommu.pt.leaves.2m") == 0);
  // The same on VT-d: no size between 4 KiB and 2 MiB, so 512 small leaves.
  HostRig vtd(kGuest);
  vtd.run();
  CHECK(vtd.stat("iommu.pt.leaves.4k") == 4112 + 512);
}

TEST_CASE("amd-v1: D on one replica is the whole leaf's, and the harvest clears every replica") {
  HostRig rig(std::string(kGuest) + R"(
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x1210000, flags: [no_clear],
     expect_dirty: ["0x1010000+0x10000", "0x1100000+0x10000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x1210000,
     expect_dirty: ["0x1010000+0x10000", "0x1100000+0x10000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x1210000, flags: [no_clear],
     expect_dirty: []}
  - {at: 60us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x1010000, length: 64KiB,
     expect_dirty: ["0x1010000+0x10000"]}
)",
              with_format("amd-v1"));
  rig.write_at(10 * kUs, 0x1015000);  // replica 5 of the first 64 KiB leaf
  rig.write_at(11 * kUs, 0x110f000);  // the last replica of another
  rig.write_at(50 * kUs, 0x101c008);  // after the flush: replica 12 walks and sets D
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
  CHECK(rig.stat("iommu.ad.dirty_sets") == 3);
}

TEST_CASE(
    "arm-s1: tracking cleans every writable leaf, a write dirties it, off makes it writable") {
  HostRig rig(std::string(kGuest) + R"(
  - {op: ioas_map, ioas: ioas0, iova: 0x2000000, user: guest, length: 64KiB, prot: r}
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 200us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x1210000,
     expect_dirty: ["0x5000+0x1000"]}
  - {at: 300us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x1210000, expect_dirty: []}
  - {at: 400us, op: set_dirty_tracking, hwpt: hwpt0, enable: false}
)",
              with_format("arm-s1"));
  rig.write_at(150 * kUs, 0x5000);
  rig.write_at(151 * kUs, 0x2000000);  // read-only: no DBM, a fault
  rig.write_at(500 * kUs, 0x6000);     // cleaned at enable, writable-dirty again at disable
  rig.write_at(501 * kUs, 0x1134000);  // the huge area: 4 KiB leaves (not 2 MiB-aligned)
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.faults") == 1);
  CHECK(rig.stat("iommu.faults.write_to_readonly") == 1);
  CHECK(rig.stat("iommu.ad.dirty_sets") == 1);  // only the tracked write
}

TEST_CASE("amd-v1: unmap clears every replica and a DMA there faults") {
  HostRig rig(std::string(kGuest) + R"(
steps:
  - {at: 1us, op: ioas_unmap, ioas: ioas0, iova: 0x1010000, length: 2MiB}
)",
              with_format("amd-v1"));
  rig.write_at(20 * kUs, 0x1015000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.pt.leaves.4k") == 4112);
  CHECK(rig.stat("iommu.faults.not_present") == 1);
  CHECK(rig.host->check_invariants().empty());
}

// Found by fuzz_host_ops: a second domain filled from the first one's page table read
// a replicated 64 KiB AMD leaf as 4 KiB, so every page got the leaf's first PFN.
TEST_CASE("amd-v1: a second domain reads a replicated leaf's PFNs back at its size") {
  HostRig rig(R"(
memory: [{name: h, size: 8MiB, backing: 2MiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h0, ioas: a, dirty_tracking: true}
steps:
  - {at: 1us, op: ioas_map, ioas: a, iova: 0x40000, user: h, offset: 0x400000, length: 0x10000}
  - {at: 4us, op: hwpt_alloc, id: h1, ioas: a, dirty_tracking: true}
)",
              with_format("amd-v1"));
  rig.run(kMs);
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.host->check_invariants() == "");
}
