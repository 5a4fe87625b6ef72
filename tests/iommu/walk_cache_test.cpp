// The paging-structure caches: walks start below the root, and invalidations that
// cover an entry remove it (unless a leaf-only hint is honoured).
#include <doctest/doctest.h>

#include <string>

#include "iommu/iommu_profile.h"
#include "tests/iommu/iommu_fixture.h"

using namespace sim;
using sim::test::IommuRig;

TEST_CASE("walk cache: the deepest cached level wins, ranges kill what they overlap") {
  WalkCache c(8, 2, 4);
  CHECK(c.lookup(1, 0x40201000).level == 0);
  c.fill(1, 0x40201000, 3, 0x3000);  // L3 entry (1 GiB) -> L2 table
  CHECK(c.lookup(1, 0x40000000).level == 2);
  c.fill(1, 0x40201000, 2, 0x2000);  // L2 entry (2 MiB) -> L1 table
  WalkCache::Hit h = c.lookup(1, 0x403fffff);
  CHECK(h.level == 1);
  CHECK(h.table == 0x2000);
  CHECK(c.lookup(1, 0x40400000).level == 2);              // other 2 MiB: only the L3 entry
  CHECK(c.lookup(2, 0x40201000).level == 0);              // other domain
  CHECK(c.invalidate_range(1, 0x40500000, 0x1000) == 1);  // the L3 entry only
  CHECK(c.lookup(1, 0x40201000).level == 1);
  CHECK(c.invalidate_range(1, 0x40200000, 0x1000) == 1);
  CHECK(c.lookup(1, 0x40201000).level == 0);
  c.fill(1, 0, 4, 0x4000);
  CHECK(c.invalidate_domain(1) == 1);
}

namespace {
IommuConfig with_walk_cache(bool honour_hint) {
  IommuConfig c;
  c.walk_cache.entries = 16;
  c.walk_cache.honour_leaf_hint = honour_hint;
  return c;
}
}  // namespace

TEST_CASE("walk cache: a second miss in the same 2 MiB reads one level") {
  IommuRig rig(with_walk_cache(false));
  rig.map(0x1000, 0x7000'0000);
  rig.map(0x2000, 0x7000'1000);
  Translation a = rig.read(0x1000, 0);
  CHECK(rig.stat("iommu.walk_reads") == 4);
  Translation b = rig.read(0x2000, kUs);
  CHECK(rig.stat("iommu.walk_reads") == 5);
  CHECK(rig.stat("iommu.walk_cache.hits") == 1);
  CHECK(b.ready - kUs < a.ready);  // three memory reads fewer
}

TEST_CASE("walk cache: a page invalidation removes it unless a leaf hint is honoured") {
  for (bool honour : {false, true}) {
    IommuRig rig(with_walk_cache(honour));
    rig.map(0x1000, 0x7000'0000);
    rig.read(0x1000, 0);
    rig.submit({InvDescriptor::iotlb_page(IommuRig::kDid, 0x1000, 0, true)}, kUs);
    rig.d.run_until(2 * kUs);
    rig.read(0x1000, 3 * kUs);  // the IOTLB entry is gone either way
    CHECK(rig.stat("iommu.walk_reads") == (honour ? 5u : 8u));
  }
}

TEST_CASE("the intel-broadwell profile: an isolated miss adds 250 ns (pcie-bench: 230-300)") {
  IommuConfig c = with_walk_cache(false);
  for (const IommuProfile& p : iommu_profiles())
    if (std::string(p.name) == "intel-broadwell") p.apply(c);
  REQUIRE(c.walk_cache.entries == 32);
  IommuRig rig(c);
  rig.map(0x1000, 0x7000'0000);
  rig.map(0x2000, 0x7000'1000);
  rig.read(0x1000, 0);  // warms the walk cache
  const Ps at = 10 * kUs;
  Translation miss = rig.read(0x2000, at);
  Translation hit = rig.read(0x2040, 20 * kUs);
  // Overhead + one read of the leaf table (80 ns plus 8 bytes on the memory channel).
  CHECK(miss.ready - at >= 250 * kNs);
  CHECK(miss.ready - at < 251 * kNs);
  CHECK(hit.ready - 20 * kUs == c.hit_latency);
}

TEST_CASE("5-level tables: 57-bit IOVAs walk five levels, a 4-level format refuses them") {
  SparseMemory mem(1ull << 32);
  MemoryTiming timing(80 * kNs, 25'600'000'000);
  VtdSsFormat f5(5);
  const uint64_t root = 0x100000, iova = 0x0123'4567'89ab'c000;  // bits above 47 set
  uint64_t table = root, next = 0x200000;
  for (unsigned l = 5; l > 1; --l, next += 0x1000) {
    mem.write64(table + 8 * f5.index(iova, l), f5.make_table(next, l));
    table = next;
  }
  const uint64_t leaf = table + 8 * f5.index(iova, 1);
  mem.write64(leaf, f5.make_leaf(0x7000'0000, 12, {true, true}));
  PageWalker walker(f5, mem, timing, 10 * kNs);
  WalkResult w = walker.walk(root, iova + 0x123, false, true, 0);
  CHECK(w.fault == FaultReason::None);
  CHECK(w.reads == 5);
  CHECK(w.pbase == 0x7000'0000);
  CHECK(w.pte_addr == leaf);
  CHECK(f5.iova_bits() == 57);
  CHECK(VtdSsFormat(4).iova_bits() == 48);
  // Through the IOMMU with a 4-level format, that IOVA is beyond what it translates.
  IommuRig rig;
  CHECK(rig.read(iova, 0).fault == FaultReason::BeyondFormat);
}
