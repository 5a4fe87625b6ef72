// Huge-leaf split and merge through the real driver on the real IOMMU core: the PTEs a
// split writes (addresses, rights, dirty state carried from the huge leaf), the
// invalidations it issues and what they drop from the IOTLB, the harvest's granularity
// after it, and the merge back (dirty when any piece is, tables freed).
#include <doctest/doctest.h>

#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {

constexpr uint64_t kMiB = 1 << 20;

// 4 MiB of guest on 2 MiB pages, mapped by two 2 MiB leaves.
const char* kHugeGuest = R"(
memory: [{name: guest, size: 4MiB, backing: 2MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 4MiB}
steps:
)";

struct Leaf {
  uint64_t addr;
  unsigned level;
  Pte pte;
};

Leaf leaf(HostRig& rig, uint64_t iova) {
  IommuDriver& drv = rig.host->driver();
  const Domain& d = *rig.host->hwpts().at("hwpt0").domain;
  auto [addr, level] = drv.find_leaf(d, iova);
  REQUIRE(addr);
  return {addr, level, drv.format().decode(rig.mem.read64(addr), level)};
}

// Runs a driver call on the rig's dispatcher to its end.
template <class F>
SplitCounts drive(HostRig& rig, F call) {
  SplitCounts out;
  bool done = false;
  auto body = [](F call, SplitCounts& out) -> Task<> { out = co_await call(); };
  Fiber f = Fiber::start(body(call, out), [&done](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    done = true;
  });
  while (!done && rig.d.run_one()) {
  }
  REQUIRE(done);
  return out;
}

}  // namespace

TEST_CASE(
    "split at enable: 4 KiB pieces of the same pages, one descriptor per huge leaf, "
    "a harvest at 4 KiB; the disable merges them back dirty") {
  HostRig rig(std::string(kHugeGuest) + R"(
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true, split_to: 4KiB}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 4MiB, flags: [no_clear],
     expect_dirty: ["0x3000+0x1000", "0x201000+0x1000"]}
  - {at: 30us, op: set_dirty_tracking, hwpt: hwpt0, enable: false}
)");
  rig.write_at(10 * kUs, 0x3000);
  rig.write_at(11 * kUs, 0x201000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.split.leaves_split") == 2);
  CHECK(rig.stat("host.split.leaves_merged") == 2);
  CHECK(rig.stat("host.split.merge_skipped") == 0);
  // Two piece tables written, then freed; 512 pieces and a table pointer per leaf,
  // then the huge leaf again per merge.
  CHECK(rig.stat("host.split.tables") == 4);
  CHECK(rig.stat("host.split.ptes_written") == 2 * 513 + 2);
  // One 2 MiB page-selective descriptor per huge leaf, at the split and at the merge.
  CHECK(rig.stat("host.split.descriptors") == 4);
  CHECK(rig.stat("iommu.pt.leaves.2m") == 2);
  CHECK(rig.stat("iommu.pt.leaves.4k") == 0);
  CHECK(rig.host->table_pages() == 3);  // root, level 3, level 2: the pieces' are freed
  const Leaf l0 = leaf(rig, 0x3000), l1 = leaf(rig, 0x200000);
  CHECK(l0.level == 2);
  CHECK(l0.pte.size_shift == 21);
  CHECK(l0.pte.w);
  // Merged dirty: a piece was (no_clear left it), and the disable does not clean.
  CHECK(l0.pte.d);
  CHECK(l1.pte.d);
}

TEST_CASE(
    "split while tracking: pieces carry the huge leaf's D, the IOTLB's 2 MiB entry "
    "is invalidated, and the next write walks to its piece") {
  for (const char* format : {"vtd-ss", "amd-v1", "arm-s1"}) {
    CAPTURE(format);
    IommuConfig ic;
    ic.format = format;
    HostRig rig(std::string(kHugeGuest) + R"(
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
)",
                ic);
    rig.host->driver().enable_split_stats();
    rig.write_at(10 * kUs, 0x3000);  // leaf 0 dirty, its 2 MiB IOTLB entry dirty-known
    rig.run(20 * kUs);
    const uint64_t pa0 = leaf(rig, 0).pte.addr, pa1 = leaf(rig, 2 * kMiB).pte.addr;
    CHECK(leaf(rig, 0).pte.d);
    CHECK_FALSE(leaf(rig, 2 * kMiB).pte.d);
    const int64_t killed = rig.stat("iommu.iotlb.entries_killed");
    const int64_t iotlb_descs = rig.stat("iommu.inv.iotlb");
    IommuDriver& drv = rig.host->driver();
    Domain& dom = *rig.host->hwpts().at("hwpt0").domain;
    const SplitCounts n = drive(rig, [&] { return drv.split_leaves(dom, 0, 4 * kMiB, 12); });
    CHECK(n.leaves == 2);
    CHECK(n.tables == 2);
    CHECK(n.descriptors == 2);
    CHECK(n.cpu > 0);
    CHECK(rig.stat("iommu.inv.iotlb") - iotlb_descs == 2);
    CHECK(rig.stat("iommu.iotlb.entries_killed") - killed == 1);
    for (uint64_t off : {uint64_t(0), uint64_t(0x3000), 2 * kMiB - 4096}) {
      const Leaf p = leaf(rig, off), q = leaf(rig, 2 * kMiB + off);
      CHECK(p.level == 1);
      CHECK(p.pte.size_shift == 12);
      CHECK(p.pte.addr == pa0 + off);
      CHECK(q.pte.addr == pa1 + off);
      CHECK(p.pte.r);
      CHECK(p.pte.w);
      CHECK(drv.format().dirty(rig.mem.read64(p.addr)));  // carried from the huge leaf
      CHECK_FALSE(drv.format().dirty(rig.mem.read64(q.addr)));
    }
    CHECK(rig.stat("iommu.pt.leaves.4k") == 1024);
    CHECK(rig.stat("iommu.pt.leaves.2m") == 0);
    // The next write misses (the 2 MiB entry is gone) and marks only its piece.
    const int64_t misses = rig.stat("iommu.iotlb.misses");
    rig.iommu->translate(0x0100, kNoPasid, 2 * kMiB + 0x5000, 64, true, rig.d.now());
    CHECK(rig.stat("iommu.iotlb.misses") - misses == 1);
    CHECK(drv.format().dirty(rig.mem.read64(leaf(rig, 2 * kMiB + 0x5000).addr)));
    CHECK_FALSE(drv.format().dirty(rig.mem.read64(leaf(rig, 2 * kMiB + 0x6000).addr)));
    // Merge: leaf 1 is dirty again through its one piece; the tables go.
    const uint64_t tables = rig.host->table_pages();
    const SplitCounts m = drive(rig, [&] { return drv.merge_leaves(dom, 0, UINT64_MAX); });
    CHECK(m.leaves == 2);
    CHECK(m.tables == 2);
    CHECK(rig.host->table_pages() == tables - 2);
    CHECK(leaf(rig, 2 * kMiB).level == 2);
    CHECK(leaf(rig, 2 * kMiB).pte.addr == pa1);
    CHECK(drv.format().dirty(rig.mem.read64(leaf(rig, 2 * kMiB).addr)));
    CHECK(dom.split.empty());
  }
}

TEST_CASE("merge skips a split leaf part of which was unmapped, and keeps its pieces") {
  HostRig rig(std::string(kHugeGuest) + R"(
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true, split_to: 4KiB}
)");
  rig.run(10 * kUs);
  IommuDriver& drv = rig.host->driver();
  Domain& dom = *rig.host->hwpts().at("hwpt0").domain;
  // The driver's own unmap of one piece (what an area cut would do).
  bool done = false;
  auto body = [](IommuDriver& drv, Domain& dom) -> Task<> {
    co_await drv.unmap(dom, 0x5000, 4096);
  };
  Fiber f = Fiber::start(body(drv, dom), [&done](std::exception_ptr) { done = true; });
  while (!done && rig.d.run_one()) {
  }
  const SplitCounts m = drive(rig, [&] { return drv.merge_leaves(dom, 0, UINT64_MAX); });
  CHECK(m.leaves == 1);
  CHECK(m.skipped == 1);
  CHECK(leaf(rig, 0).level == 1);
  CHECK(leaf(rig, 2 * kMiB).level == 2);
}
