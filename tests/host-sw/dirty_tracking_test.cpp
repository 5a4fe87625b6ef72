// iommufd dirty tracking (iova_bitmap, SET_DIRTY_TRACKING, GET_DIRTY_BITMAP) rules the other suites do not
// reach: the order of a read-and-clear and a DMA at the same timestamp, NO_CLEAR
// issuing no sync, enable after disable starting clean, unmap discarding D state,
// the silent partial success at a hole, and iova_bitmap's partial last byte and
// first window at a page offset.
#include <doctest/doctest.h>

#include "host-sw/iommufd/iova_bitmap.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;
using sim::test::kTrackedGuest;

TEST_CASE("same timestamp: the harvest's clear comes before the DMA, whose write is a stale hit") {
  // With every host cost 0 the whole walk and clear happen at 20 us; the device's
  // write at 20 us is ordered after the host operation, so it hits the dirty-known
  // IOTLB entry the flush has not yet killed: nothing re-sets D and the next harvest
  // finds nothing. This is the hazard the oracle would name.
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
cost: {syscall: 0, table_visit: 0, pte_scan: 0, pte_clear: 0, bitmap_write: 0}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(20 * kUs, 0x5008);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 1);
}

TEST_CASE("same timestamp: a DMA one picosecond before the clear is reported by it") {
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000", "0x9000+0x1000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
cost: {syscall: 0, table_visit: 0, pte_scan: 0, pte_clear: 0, bitmap_write: 0}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(20 * kUs - 1, 0x9000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
}

TEST_CASE("NO_CLEAR twice reports the same and issues no sync, then a clearing read syncs once") {
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flags: [no_clear],
     expect_dirty: ["0x5000+0x1000", "0x400000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flags: [no_clear],
     expect_dirty: ["0x5000+0x1000", "0x400000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(11 * kUs, 0x400000);
  rig.run();
  const int64_t waits = rig.stat("iommu.inv.waits");  // enabling's
  HostRig rig2(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flags: [no_clear],
     expect_dirty: ["0x5000+0x1000", "0x400000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flags: [no_clear],
     expect_dirty: ["0x5000+0x1000", "0x400000+0x1000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000", "0x400000+0x1000"]}
  - {at: 50us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
)");
  rig2.write_at(10 * kUs, 0x5000);
  rig2.write_at(11 * kUs, 0x400000);
  rig2.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig2.stat("host.steps_failed") == 0);
  // One wait per clearing read (the last, finding nothing, syncs an empty gather: none).
  CHECK(rig2.stat("iommu.inv.waits") == waits + 1);
  CHECK(rig.stat("host.inv.page_descriptors") == 0);
}

TEST_CASE("enable after disable starts clean: D bits set before the disable are pre-cleared") {
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: set_dirty_tracking, hwpt: hwpt0, enable: false}
  - {at: 30us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
  - {at: 60us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x7000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);  // tracked, never harvested
  rig.write_at(50 * kUs, 0x7000);  // after the re-enable
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
}

TEST_CASE("enable while enabled pre-clears again: what was not harvested is gone (kernel)") {
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
  - {at: 50us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(40 * kUs, 0x5008);  // the pre-clear's sync killed the entry: walks again
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
}

TEST_CASE("unmap discards dirty state: a remapped range starts clean") {
  HostRig rig(R"(
memory: [{name: guest, size: 16MiB}, {name: extra, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
  - {op: ioas_map, ioas: ioas0, iova: 0x2000000, user: extra, length: 1MiB}
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: ioas_unmap, ioas: ioas0, iova: 0x2000000, length: 1MiB}
  - {at: 25us, op: ioas_map, ioas: ioas0, iova: 0x2000000, user: extra, length: 1MiB}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x2000000, length: 1MiB,
     expect_dirty: []}
)");
  rig.write_at(10 * kUs, 0x2003000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.dirty.partial_harvests") == 0);
}

TEST_CASE("a hole stops the walk with success: bits before it stay, areas after it are not read") {
  HostRig rig(R"(
memory: [{name: guest, size: 16MiB}, {name: extra, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
  - {op: ioas_map, ioas: ioas0, iova: 0x2000000, user: extra, length: 1MiB}
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x2100000,
     expect_dirty: ["0x5000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x2000000, length: 1MiB,
     expect_dirty: ["0x2003000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x2003000);
  rig.write_at(11 * kUs, 0x5000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.dirty.partial_harvests") == 1);
}

namespace {
struct BitmapRig {
  PhysAllocator phys{1 << 20, 1ull << 32};
  VmmMemory vmm{phys};
  SparseMemory mem{1ull << 32};
  uint64_t va = 0;
  BitmapRig() { vmm.mmap("b", 1 << 20, 4096, false, va); }
  bool bit(uint64_t off, uint64_t k) {
    uint8_t b = 0;
    mem.read(*vmm.pa(va + off + k / 8), &b, 1);
    return b >> (k % 8) & 1;
  }
};
}  // namespace

TEST_CASE("iova_bitmap: a partial last byte, records clipped at the request's last bit") {
  for (uint64_t ps : {1024ull, 4096ull, 2ull << 20, 1ull << 30}) {
    BitmapRig t;
    // 10 bits: two bytes, the second holding bits 8 and 9 only.
    IovaBitmap bm(t.vmm, t.mem, t.va + 1, 0, 10 * ps, ps);
    CHECK(IovaBitmap::bytes_needed(10 * ps, ps) == 2);
    IovaBitmap::Window w;
    REQUIRE(bm.next(w));
    CHECK(w.length == 10 * ps);
    bm.set(7 * ps, 100 * ps);
    CHECK(bm.bits_set() == 3);
    CHECK(t.bit(1, 7));
    CHECK(t.bit(1, 9));
    CHECK_FALSE(t.bit(1, 10));
    CHECK_FALSE(t.bit(1, 6));
  }
}

TEST_CASE("iova_bitmap: at byte 4081 a one-page window holds 15 bytes, the next is aligned") {
  BitmapRig t;
  // 1 GiB at 4 KiB is 32 KiB of bitmap; the first window ends at the page boundary.
  IovaBitmap bm(t.vmm, t.mem, t.va + 4081, 0, 1ull << 30, 4096, 1);
  IovaBitmap::Window w;
  REQUIRE(bm.next(w));
  CHECK(w.iova == 0);
  CHECK(w.length == 15 * 8 * 4096ull);
  REQUIRE(bm.next(w));
  CHECK(w.iova == 15 * 8 * 4096ull);
  CHECK(w.length == 4096 * 8 * 4096ull);
  unsigned n = 2;
  while (bm.next(w)) ++n;
  CHECK(n == 9);  // 15 + 8 * 4096 bytes in all, 4096 per later window
}

TEST_CASE("page_size quirks: the granule is its lowest set bit, the mask is page_size - 1") {
  // 12 KiB: bits are 4 KiB; iova and end are checked against the mask 0x2fff (kernel):
  // 0x1000 passes it (bit 12 is not in the mask), 0x2000 does not.
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0xc000, page_size: 12KiB,
     flags: [no_clear], expect_dirty: ["0x5000+0x1000"]}
  - {at: 21us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x1000, length: 0xc000,
     page_size: 12KiB, flags: [no_clear], expect_dirty: ["0x5000+0x1000"]}
  - {at: 22us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x2000, length: 0xc000,
     page_size: 12KiB, expect: EINVAL}
  - {at: 23us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0x2000, page_size: 12KiB,
     expect: EINVAL}
  - {at: 24us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 0, expect: ENOMEM}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
}

TEST_CASE("tracking is per HWPT: a second HWPT of the IOAS needs no device and its own enable") {
  HostRig rig(std::string(kTrackedGuest) + R"(
  - {at: 2us, op: hwpt_alloc, id: spare, ioas: ioas0, dirty_tracking: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: spare, iova: 0, length: 16MiB, expect_dirty: []}
  - {at: 30us, op: set_dirty_tracking, hwpt: spare, enable: true}
  - {at: 40us, op: get_dirty_bitmap, hwpt: spare, iova: 0, length: 16MiB, expect_dirty: []}
  - {at: 50us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);  // through hwpt0, the domain nic0 is attached to
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.dirty.partial_harvests") == 1);  // spare before its enable
}
