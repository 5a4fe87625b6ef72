// PASIDs: a context in PASID mode points at a PASID directory, whose entries point at
// PASID tables; each PASID (RID_PASID for requests without one) has its own domain,
// page table and ADE.
#include <doctest/doctest.h>

#include "tests/iommu/iommu_fixture.h"

namespace sim::test {
namespace {

constexpr uint64_t kPasidTable = 0x190000, kOtherRoot = 0x210000;
constexpr uint16_t kOtherDid = 9;

// nic's context in PASID mode: RID_PASID -> the rig's domain (kDid, kPtRoot),
// PASID 5 -> domain kOtherDid over kOtherRoot.
void pasid_mode(IommuRig& rig) {
  ContextEntry c{true, ContextEntry::kTranslate, kPasidTable, 2, false, 0, true};
  auto [cl, ch] = c.encode();
  rig.mem.write64(context_entry_addr(0x180000, IommuRig::kBdf), cl);
  rig.mem.write64(context_entry_addr(0x180000, IommuRig::kBdf) + 8, ch);
  auto put = [&](uint32_t pasid, PasidEntry e) {
    auto [lo, hi] = e.encode();
    rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, pasid), pasid), lo);
    rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, pasid), pasid) + 8, hi);
  };
  put(kRidPasid, {true, false, IommuRig::kPtRoot, 2, true, IommuRig::kDid});
  put(5, {true, false, kOtherRoot, 2, true, kOtherDid});
}

Translation write(IommuRig& rig, uint32_t pasid, uint64_t iova, Ps at) {
  return rig.iommu->translate(IommuRig::kBdf, pasid, iova, 64, true, at);
}

}  // namespace

TEST_CASE("pasid: entries round trip, and the PASID-cache descriptor too") {
  PasidEntry e{true, true, 0x123456000, 3, true, 77};
  auto [lo, hi] = e.encode();
  PasidEntry d = PasidEntry::decode(lo, hi);
  CHECK(d.present);
  CHECK(d.pass_through);
  CHECK(d.root == 0x123456000);
  CHECK(d.aw == 3);
  CHECK(d.ade);
  CHECK(d.did == 77);
  ContextEntry c{true, ContextEntry::kTranslateAts, kPasidTable, 2, false, 0, true};
  auto [cl, ch] = c.encode();
  CHECK(ContextEntry::decode(cl, ch).pasid);
  CHECK(ContextEntry::decode(cl, ch).root == kPasidTable);
  InvDescriptor p = InvDescriptor::pasid_cache(12, 0xabcde);
  uint64_t plo, phi;
  p.encode(plo, phi);
  InvDescriptor q = InvDescriptor::decode(plo, phi);
  CHECK(q.type == InvDescriptor::kPasidCache);
  CHECK(q.granularity == InvDescriptor::kPage);
  CHECK(q.did == 12);
  CHECK(q.pasid == 0xabcde);
}

TEST_CASE("pasid: a request with a PASID to a context without PASIDs is blocked") {
  IommuRig rig;
  rig.map(0x1000, 0x800000);
  CHECK(rig.write(0x1000, kUs).ok);
  Translation t = write(rig, 5, 0x1000, 2 * kUs);
  CHECK_FALSE(t.ok);
  CHECK(t.fault == FaultReason::ContextNotPresent);
}

TEST_CASE("pasid: each PASID translates through its own domain, RID_PASID serves no PASID") {
  IommuRig rig;
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  // PASID 5's table: the same IOVA to another page.
  rig.mem.write64(kOtherRoot + 8 * rig.f.index(0x1000, 4), rig.f.make_table(0x220000, 4));
  rig.mem.write64(0x220000 + 8 * rig.f.index(0x1000, 3), rig.f.make_table(0x221000, 3));
  rig.mem.write64(0x221000 + 8 * rig.f.index(0x1000, 2), rig.f.make_table(0x222000, 2));
  rig.mem.write64(0x222000 + 8 * rig.f.index(0x1000, 1),
                  rig.f.make_leaf(0x900000, 12, {true, true, true}));
  Translation a = rig.write(0x1010, kUs);
  Translation b = write(rig, 5, 0x1010, 2 * kUs);
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  CHECK(a.pa == 0x800010);
  CHECK(b.pa == 0x900010);
  // Both walks set D (each PASID entry has ADE) in their own tables.
  CHECK(rig.f.dirty(rig.mem.read64(0x222000 + 8)));
  CHECK(rig.stat("iommu.ad.dirty_sets") == 2);
  // No entry for PASID 6, and none in the directory for PASID 300's table: blocked.
  CHECK_FALSE(write(rig, 6, 0x1010, 3 * kUs).ok);
  CHECK_FALSE(write(rig, 300, 0x1010, 4 * kUs).ok);
  CHECK(rig.stat("iommu.faults.context_not_present") == 2);
}

TEST_CASE("pasid: a cleared PASID entry stays cached until a PASID-cache invalidation") {
  IommuRig rig;
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  // PASID 5 -> the same domain's table (shared second stage).
  PasidEntry e{true, false, IommuRig::kPtRoot, 2, true, IommuRig::kDid};
  auto [lo, hi] = e.encode();
  rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, 5), 5), lo);
  rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, 5), 5) + 8, hi);
  CHECK(write(rig, 5, 0x1000, kUs).ok);
  rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, 5), 5),
                  0);                        // detached in memory only
  CHECK(write(rig, 5, 0x1000, 2 * kUs).ok);  // the cached entry still serves
  rig.submit({InvDescriptor::pasid_cache(IommuRig::kDid, 6)}, 3 * kUs);  // another PASID
  rig.d.run_until(10 * kUs);
  CHECK(write(rig, 5, 0x1000, 11 * kUs).ok);
  rig.submit({InvDescriptor::pasid_cache(IommuRig::kDid, 5)}, 12 * kUs);
  rig.d.run_until(20 * kUs);
  CHECK_FALSE(write(rig, 5, 0x1000, 21 * kUs).ok);
  CHECK(rig.write(0x1000, 22 * kUs).ok);  // RID_PASID's entry was not touched
}

TEST_CASE("pasid: a second-stage IOTLB entry serves every PASID of its domain") {
  IommuRig rig;
  pasid_mode(rig);
  PasidEntry e{true, false, IommuRig::kPtRoot, 2, true, IommuRig::kDid};
  auto [lo, hi] = e.encode();
  rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, 5), 5), lo);
  rig.mem.write64(pasid_entry_addr(pasid_table_for(rig.mem, kPasidTable, 5), 5) + 8, hi);
  rig.map(0x1000, 0x800000);
  CHECK(rig.write(0x1000, kUs).ok);
  CHECK(write(rig, 5, 0x1000, 2 * kUs).ok);
  CHECK(rig.stat("iommu.walks") == 1);
  CHECK(rig.stat("iommu.iotlb.hits") == 1);
}

TEST_CASE("pasid: IOTLB tags: second-stage entries ignore the PASID, first-stage ones match it") {
  Iotlb t(16, 4, true);
  IotlbEntry s2;
  s2.did = 3;
  s2.pasid = 5;
  s2.vbase = 0x1000;
  t.fill(s2);
  CHECK(t.lookup(3, 9, 0x1000) != nullptr);
  CHECK(t.lookup(4, 5, 0x1000) == nullptr);  // another domain
  IotlbEntry s1 = s2;
  s1.stage = 1;
  s1.vbase = 0x5000;
  t.fill(s1);
  CHECK(t.lookup(3, 5, 0x5000) != nullptr);
  CHECK(t.lookup(3, 9, 0x5000) == nullptr);
  // A second-stage and a first-stage entry of the same page are distinct entries.
  IotlbEntry s1b = s1;
  s1b.vbase = 0x1000;
  t.fill(s1b);
  CHECK(t.occupancy() == 3);
}

}  // namespace sim::test
