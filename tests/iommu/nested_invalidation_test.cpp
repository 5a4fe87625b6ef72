// Invalidation under nesting: a stage-1 (PASID-based) invalidation kills the combined
// entries of its stage-1 domain, PASID and IOVA range; a stage-2 one (an IOTLB
// descriptor of the nesting parent's domain, a GPA range) kills every combined entry
// built on that domain; the negative control that spares them loses dirty pages and
// keeps stale translations. And the encodings the host writes.
#include <doctest/doctest.h>

#include "tests/iommu/nested_fixture.h"

using namespace sim;
using sim::test::NestedIommuRig;

namespace {
constexpr uint64_t kData = 0x200'0000;
constexpr uint64_t kFar = 0x80'0000'0000;  // an IOVA in another stage-1 top-level entry
constexpr uint16_t kS1 = NestedIommuRig::kS1Did, kS2 = NestedIommuRig::kS2Did;

// Two combined entries, at 0x1000 and kFar.
void two_entries(NestedIommuRig& rig) {
  rig.map_s1(0x1000, kData);
  rig.map_s1(kFar, kData + 0x1000);
  REQUIRE(rig.access(0x1000, true, 0).ok);
  REQUIRE(rig.access(kFar, true, 0).ok);
  REQUIRE(rig.stat("iommu.nested.walks") == 2);
}
}  // namespace

TEST_CASE(
    "nested invalidation: a stage-2 invalidation of any GPA kills every combined entry on it") {
  NestedIommuRig rig;
  two_entries(rig);
  // A page far from both data pages: the IOVA-tagged entries cannot be matched to it.
  rig.submit({InvDescriptor::iotlb_page(kS2, 0x300'0000, 0, false)}, kUs, 2 * kUs);
  CHECK(rig.stat("iommu.nested.combined_killed_s2") == 2);
  CHECK(rig.stat("iommu.iotlb.entries_killed") == 2);
  REQUIRE(rig.access(0x1000, false, 3 * kUs).ok);
  REQUIRE(rig.access(kFar, false, 3 * kUs).ok);
  CHECK(rig.stat("iommu.nested.walks") == 4);
  // Another domain's invalidation (the stage-1 domain's id as a stage-2 one kills only
  // its own IOVA range) leaves the entries alone.
  rig.submit({InvDescriptor::iotlb_page(77, 0x1000, 0, false)}, 4 * kUs, 5 * kUs);
  CHECK(rig.stat("iommu.nested.combined_killed_s2") == 2);
}

TEST_CASE(
    "nested invalidation: a stage-2 invalidation empties the stage-2 walk cache in its GPA "
    "range") {
  for (bool invalidate : {false, true}) {
    CAPTURE(invalidate);
    IommuConfig c = NestedIommuRig::with_nesting();
    c.walk_cache.entries = 16;
    c.walk_cache.stage1_entries = 16;
    NestedIommuRig rig(c);
    rig.map_s1(0x1000, kData);
    rig.map_s1(0x2000, kData + 0x1000);
    REQUIRE(rig.access(0x1000, false, 0).ok);
    if (invalidate) rig.submit({InvDescriptor::iotlb_page(kS2, kData, 0, false)}, kUs, 2 * kUs);
    const uint64_t before = rig.stat("iommu.walk_reads");
    REQUIRE(rig.access(0x2000, false, 3 * kUs).ok);
    // The leaf table's page keeps its stage-2 entries (another 2 MiB); the data page's
    // 2 MiB, 1 GiB and 512 GiB entries are gone: its stage-2 walk reads all 4 levels.
    CHECK(rig.stat("iommu.walk_reads") - before == (invalidate ? 6u : 3u));
  }
}

TEST_CASE("nested invalidation: a stage-1 invalidation kills its PASID's range only") {
  NestedIommuRig rig;
  two_entries(rig);
  rig.submit({InvDescriptor::piotlb_page(kS1, kRidPasid, 0x1000, 0, false)}, kUs, 2 * kUs);
  CHECK(rig.stat("iommu.nested.combined_killed_s1") == 1);
  CHECK(rig.stat("iommu.nested.inv_stage1") == 1);
  REQUIRE(rig.access(kFar, false, 3 * kUs).ok);  // survived
  CHECK(rig.stat("iommu.nested.walks") == 2);
  REQUIRE(rig.access(0x1000, false, 3 * kUs).ok);  // killed
  CHECK(rig.stat("iommu.nested.walks") == 3);
  // Another PASID or domain: nothing; the whole PASID: both.
  rig.submit({InvDescriptor::piotlb_pasid(kS1, 5), InvDescriptor::piotlb_pasid(kS2, kRidPasid)},
             4 * kUs, 5 * kUs);
  CHECK(rig.stat("iommu.nested.combined_killed_s1") == 1);
  rig.submit({InvDescriptor::piotlb_pasid(kS1, kRidPasid)}, 6 * kUs, 7 * kUs);
  CHECK(rig.stat("iommu.nested.combined_killed_s1") == 3);
  CHECK(rig.stat("iommu.nested.combined_killed_s2") == 0);
}

TEST_CASE("nested invalidation: stage-1 invalidations empty the stage-1 walk cache they cover") {
  IommuConfig c = NestedIommuRig::with_nesting();
  c.walk_cache.entries = 16;
  c.walk_cache.stage1_entries = 16;
  NestedIommuRig rig(c);
  rig.map_s1(0x1000, kData);
  rig.map_s1(0x2000, kData + 0x1000);
  rig.map_s1(0x3000, kData + 0x2000);
  REQUIRE(rig.access(0x1000, false, 0).ok);
  REQUIRE(rig.access(0x2000, false, kUs).ok);
  CHECK(rig.stat("iommu.nested.s1_walk_cache_hits") == 1);
  rig.submit({InvDescriptor::piotlb_pasid(kS1, kRidPasid)}, 2 * kUs, 3 * kUs);
  REQUIRE(rig.access(0x3000, false, 4 * kUs).ok);
  CHECK(rig.stat("iommu.nested.s1_walk_cache_hits") == 1);  // started at the root again
  // A global IOTLB invalidation empties everything, combined entries included.
  rig.submit({InvDescriptor::iotlb_global()}, 5 * kUs, 6 * kUs);
  REQUIRE(rig.access(0x3000, false, 7 * kUs).ok);
  CHECK(rig.stat("iommu.nested.walks") == 4);
  CHECK(rig.stat("iommu.nested.s1_walk_cache_hits") == 1);
}

TEST_CASE(
    "nested invalidation: a harvest's stage-2 flush makes the next write set D again, the "
    "negative control spares the entry and the page is lost") {
  for (bool spare : {false, true}) {
    CAPTURE(spare);
    IommuConfig c = NestedIommuRig::with_nesting();
    c.negative.nested_s2_inv_spares_combined = spare;
    NestedIommuRig rig(c);
    unsigned hazards = 0;
    rig.iommu->on_stale_dirty_hit = [&](uint16_t, uint64_t iova, uint64_t pa, Ps) {
      CHECK(iova == 0x1040);
      CHECK(pa == NestedIommuRig::kGuestBase + kData + 0x40);
      ++hazards;
    };
    const uint64_t s2_leaf = rig.map_s2(kData, NestedIommuRig::kGuestBase + kData);
    rig.map_s1(0x1000, kData);
    REQUIRE(rig.access(0x1000, true, 0).ok);
    const PageTableFormat& s2 = rig.iommu->format();
    REQUIRE(s2.dirty(rig.mem.read64(s2_leaf)));
    // The host's harvest: read and clear D on the parent, then flush that GPA.
    rig.mem.write64(s2_leaf, s2.without_dirty(rig.mem.read64(s2_leaf)));
    rig.submit({InvDescriptor::iotlb_page(kS2, kData, 0, false)}, kUs, 2 * kUs);
    CHECK(rig.stat("iommu.nested.combined_killed_s2") == (spare ? 0u : 1u));
    CHECK(rig.stat("iommu.nested.combined_spared_s2") == (spare ? 1u : 0u));
    REQUIRE(rig.access(0x1040, true, 3 * kUs).ok);
    CHECK(s2.dirty(rig.mem.read64(s2_leaf)) == !spare);  // the next harvest sees it, or not
    CHECK(rig.stat("iommu.ad.stale_dirty_hits") == (spare ? 1u : 0u));
    CHECK(hazards == (spare ? 1u : 0u));
  }
}

TEST_CASE(
    "nested invalidation: after a stage-2 remap and flush the negative control keeps the "
    "old host page") {
  for (bool spare : {false, true}) {
    CAPTURE(spare);
    IommuConfig c = NestedIommuRig::with_nesting();
    c.negative.nested_s2_inv_spares_combined = spare;
    NestedIommuRig rig(c);
    rig.map_s1(0x1000, kData);
    REQUIRE(rig.access(0x1000, false, 0).pa == NestedIommuRig::kGuestBase + kData);
    const uint64_t moved = 6ull << 30;  // the host migrates the guest page elsewhere
    rig.map_s2(kData, moved);
    rig.submit({InvDescriptor::iotlb_page(kS2, kData, 0, false)}, kUs, 2 * kUs);
    CHECK(rig.access(0x1000, false, 3 * kUs).pa ==
          (spare ? NestedIommuRig::kGuestBase + kData : moved));
  }
}

TEST_CASE("nested encodings: legacy bytes unchanged, the new fields round-trip") {
  // A legacy PASID entry encodes as before: the nested bit is new and zero.
  const PasidEntry legacy{true, true, 0x123456000, 3, true, 77};
  CHECK(legacy.encode().first == (0x123456000ull | 1u << 2 | 1u));
  CHECK(legacy.encode().second == (3ull | 1ull << 7 | 77ull << 8));
  PasidEntry nested{true, false, 0x200000, 2, true, 9};
  nested.nested = true;
  CHECK(nested.encode().first == (0x200000ull | 1u << 3 | 1u));
  auto [lo, hi] = nested.encode();
  CHECK(PasidEntry::decode(lo, hi).nested);
  CHECK_FALSE(PasidEntry::decode(legacy.encode().first, legacy.encode().second).nested);

  const PasidNesting n{0xabcd'e000, Stage1Format::kArmS1, 4, true, 0x1234};
  auto [nlo, nhi] = n.encode();
  const PasidNesting back = PasidNesting::decode(nlo, nhi);
  CHECK(back.s1_root == 0xabcd'e000);
  CHECK(back.s1_format == Stage1Format::kArmS1);
  CHECK(back.s1_levels == 4);
  CHECK(back.s1_ad);
  CHECK(back.s2_did == 0x1234);
  // The second 16 bytes of the 64-byte entry (PASID 3: the fourth of its table).
  CHECK(pasid_nesting_addr(0x110000, 3) == 0x1100d0);
  CHECK(pasid_nesting_addr(0x110000, 67) == 0x1100d0);  // 67 = 64 + 3: another table

  for (const InvDescriptor& d :
       {InvDescriptor::piotlb_page(9, 0x12345, 0x7000'3000, 2, true),
        InvDescriptor::piotlb_pasid(9, 0xfffff), InvDescriptor::piotlb_domain(4)}) {
    uint64_t elo, ehi;
    d.encode(elo, ehi);
    const InvDescriptor r = InvDescriptor::decode(elo, ehi);
    CHECK(r.type == InvDescriptor::kPasidIotlb);
    CHECK(r.granularity == d.granularity);
    CHECK(r.did == d.did);
    CHECK(r.pasid == d.pasid);
    CHECK(r.addr == d.addr);
    CHECK(r.am == d.am);
    CHECK(r.ih == d.ih);
  }
  // A legacy IOTLB descriptor's bytes are what they were.
  uint64_t ilo, ihi;
  InvDescriptor::iotlb_page(7, 0x5000, 1, false).encode(ilo, ihi);
  CHECK(ilo == (0x2ull | 3ull << 4 | 7ull << 16));
  CHECK(ihi == (0x5000ull | 1));

  const FaultRecord f =
      FaultRecord::decode(0x1000, 0x0100 | 1ull << 16 | 1ull << 24 | 2ull << 25 | 1ull << 63);
  CHECK(f.stage == 2);
  CHECK(f.write);
  CHECK(FaultRecord::decode(0, 1ull << 24).stage == 0);
}

TEST_CASE("nested invalidation: IOTLB lookups keep legacy and combined entries apart") {
  Iotlb t(16, 4, true);
  IotlbEntry legacy;
  legacy.did = 9;
  legacy.vbase = 0x1000;
  t.fill(legacy);
  IotlbEntry combined = legacy;
  combined.stage = kStageNested;
  combined.s2_did = 3;
  combined.pbase = 0x9000;
  t.fill(combined);
  CHECK(t.lookup(9, kNoPasid, 0x1000)->stage == 2);
  CHECK(t.lookup_nested(9, 0, 3, 0x1000)->pbase == 0x9000);
  CHECK_FALSE(t.lookup_nested(9, 0, 4, 0x1000));  // another stage-2 domain
  CHECK_FALSE(t.lookup_nested(9, 1, 3, 0x1000));  // another PASID
  CHECK(t.invalidate_built_on(3, 0, true) == 1);  // counted, kept
  CHECK(t.lookup_nested(9, 0, 3, 0x1000));
  CHECK(t.invalidate_built_on(3) == 1);
  CHECK_FALSE(t.lookup_nested(9, 0, 3, 0x1000));
  CHECK(t.lookup(9, kNoPasid, 0x1000));
}
