// The deferred flush policy and its sticky re-reporting, on the real IOMMU core.
#include <doctest/doctest.h>

#include <vector>

#include "host-sw/driver/sticky_pages.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {

const char* kSetup = sim::test::kTrackedGuest;

std::vector<Range> parts(const StickyPages& s, uint64_t a, uint64_t b) {
  std::vector<Range> out;
  s.for_each(a, b, [&](uint64_t at, uint64_t len) { out.push_back({at, len}); });
  return out;
}

}  // namespace

TEST_CASE("sticky pages: a later clear replaces the overlap, clipping, covered parts go") {
  StickyPages s;
  s.add(0x1000, 0x4000, 0);  // 0x1000..0x4fff waits for flush 0
  s.add(0x3000, 0x3000, 1);  // 0x3000..0x5fff now waits for flush 1
  CHECK(s.bytes() == 0x5000);
  auto p = parts(s, 0x2000, 0x4000);
  REQUIRE(p.size() == 2);
  CHECK(p[0].start == 0x2000);
  CHECK(p[0].length == 0x1000);
  CHECK(p[1].start == 0x3000);
  CHECK(p[1].length == 0x1000);
  s.drop_covered(0x2000, 0x6000, 1);  // flush 0 done: only 0x2000..0x2fff of it is in range
  p = parts(s, 0, 0x10000);
  REQUIRE(p.size() == 2);
  CHECK(p[0].start == 0x1000);
  CHECK(p[0].length == 0x1000);
  CHECK(p[1].start == 0x3000);
  CHECK(p[1].length == 0x3000);
  s.drop_covered(0, 0x10000, 2);
  CHECK(s.empty());
}

TEST_CASE("deferred + sticky: a page is re-reported until a harvest after its flush") {
  HostRig rig(std::string(kSetup) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     timeout: 50us, expect_dirty: ["0x5000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     timeout: 50us, expect_dirty: ["0x5000+0x1000"]}
  - {at: 100us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     timeout: 50us, expect_dirty: ["0x5000+0x1000"]}
  - {at: 120us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     timeout: 50us, expect_dirty: []}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(25 * kUs, 0x5040);  // D was cleared at 20 us, the entry is still dirty-known
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 1);
  CHECK(rig.stat("host.flush.deferred_timer") == 1);  // at 70 us
  CHECK(rig.stat("host.flush.deferred_full") == 0);
  CHECK(rig.stat("host.dirty.sticky_reports") == 2);  // at 30 us and at 100 us
}

TEST_CASE("deferred without sticky loses the write that hit the stale entry") {
  HostRig rig(std::string(kSetup) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     sticky: false, expect_dirty: ["0x5000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     sticky: false, expect_dirty: []}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(25 * kUs, 0x5040);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 1);
  CHECK(rig.stat("host.dirty.sticky_reports") == 0);
}

TEST_CASE("deferred: a full queue is flushed within the harvest, nothing stays sticky") {
  HostRig rig(std::string(kSetup) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     batch: 2, expect_dirty: ["0x5000+0x2000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: deferred,
     batch: 2, expect_dirty: ["0x6000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(10 * kUs, 0x6000);
  rig.write_at(25 * kUs, 0x6040);  // after the flush: walks again, sets D
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
  CHECK(rig.stat("host.flush.deferred_full") == 1);
  CHECK(rig.stat("host.dirty.sticky_reports") == 0);
}

TEST_CASE("window: each iova_bitmap window is flushed before the next is walked") {
  // 16 MiB at 1 KiB granules is 2 KiB of bitmap; starting 3 KiB into a page and one
  // pinned page per window, that is two windows of 8 MiB each.
  auto waits = [](const char* flush) {
    HostRig rig(std::string(kSetup) + R"(
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, page_size: 1KiB,
     bitmap_offset: 3KiB, window_pages: 1, flush: )" +
                flush + R"(,
     expect_dirty: ["0x5000+0x1000", "0xf00000+0x1000"]}
)");
    rig.write_at(10 * kUs, 0x5000);
    rig.write_at(10 * kUs, 0xf00000);
    rig.run();
    CHECK(rig.stat("host.steps_failed") == 0);
    return rig.stat("host.inv.waits");
  };
  CHECK(waits("window") == waits("gather") + 1);
}

TEST_CASE("encodings: pow2 block, exact range, or one descriptor per page (domain past 64)") {
  std::vector<InvDescriptor> d = covering(3, 0x5000, 0x7fff, InvCaps{18, InvEncoding::Pow2Aligned});
  REQUIRE(d.size() == 1);
  CHECK(d[0].am == 2);  // pages 5..7 fit the aligned block 4..7
  d = covering(3, 0x5000, 0x7fff, InvCaps{18, InvEncoding::ArbitraryRange});
  REQUIRE(d.size() == 1);
  CHECK(d[0].granularity == InvDescriptor::kRange);
  CHECK(d[0].addr == 0x5000);
  CHECK(d[0].pages == 3);
  d = covering(3, 0x5000, 0x7fff, InvCaps{18, InvEncoding::PageOnly});
  REQUIRE(d.size() == 3);
  CHECK(d[2].addr == 0x7000);
  CHECK(d[2].am == 0);
  d = covering(3, 0, 65 * 4096 - 1, InvCaps{18, InvEncoding::PageOnly});
  REQUIRE(d.size() == 1);
  CHECK(d[0].granularity == InvDescriptor::kDomain);
  d = covering(3, 0, (1ull << 40) - 1, InvCaps{18, InvEncoding::ArbitraryRange});
  CHECK(d[0].granularity == InvDescriptor::kDomain);  // beyond 2^max_order pages
  // per_pte on range hardware: one exact range per run
  Gather g;
  g.add(0x10000, 0x3000);
  g.add(0x20000, 0x1000);
  auto groups =
      make_flush_policy("per_pte")->groups(3, g, InvCaps{18, InvEncoding::ArbitraryRange});
  REQUIRE(groups.size() == 1);
  REQUIRE(groups[0].size() == 2);
  CHECK(groups[0][0].pages == 3);
}
