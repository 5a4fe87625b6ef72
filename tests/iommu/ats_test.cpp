// PCIe ATS at the IOMMU: translation requests, translated accesses, device-TLB
// invalidations and the wait that covers them.
#include <doctest/doctest.h>

#include "tests/iommu/iommu_fixture.h"

using namespace sim;
using sim::test::IommuRig;

namespace {

void ats_context(IommuRig& rig, bool ade) {
  rig.set_context(true, ade);
  const uint64_t ca = context_entry_addr(0x180000, IommuRig::kBdf);
  ContextEntry c = ContextEntry::decode(rig.mem.read64(ca), rig.mem.read64(ca + 8));
  c.tt = ContextEntry::kTranslateAts;
  auto [lo, hi] = c.encode();
  rig.mem.write64(ca, lo);
  rig.mem.write64(ca + 8, hi);
}

}  // namespace

TEST_CASE("device-TLB descriptors encode their size in the address (VT-d S bit)") {
  for (uint8_t am : {0, 1, 5, 9, 20, 52}) {
    InvDescriptor d = InvDescriptor::device_tlb(0x0100, 0x12345000, am);
    uint64_t lo, hi;
    d.encode(lo, hi);
    InvDescriptor back = InvDescriptor::decode(lo, hi);
    CHECK(back.type == InvDescriptor::kDeviceTlb);
    CHECK(back.sid == 0x0100);
    CHECK(back.am == am);
    CHECK(back.addr == d.addr);
    CHECK(back.span_bytes() == d.span_bytes());
  }
  CHECK(InvDescriptor::device_tlb(1, 0x12345000, 4).addr == 0x12340000);
}

TEST_CASE("a translation request asking write sets D at the grant, a read request does not") {
  IommuRig rig;
  ats_context(rig, true);
  const uint64_t rw = rig.map(0x1000, 0x7000'0000), ro = rig.map(0x2000, 0x7000'1000, 1, false);
  AtsTranslation r = rig.iommu->translate_request(IommuRig::kBdf, kNoPasid, 0x1000, false, 0);
  REQUIRE(r.ok);
  CHECK(r.r);
  CHECK_FALSE(r.w);
  CHECK_FALSE(rig.f.dirty(rig.mem.read64(rw)));
  AtsTranslation w = rig.iommu->translate_request(IommuRig::kBdf, kNoPasid, 0x1000, true, kUs);
  CHECK(w.w);
  CHECK(w.pbase == 0x7000'0000);
  CHECK(w.pte_addr == rw);
  CHECK(rig.f.dirty(rig.mem.read64(rw)));
  AtsTranslation o = rig.iommu->translate_request(IommuRig::kBdf, kNoPasid, 0x2000, true, kUs);
  CHECK(o.ok);  // granted read only, not refused
  CHECK_FALSE(o.w);
  CHECK_FALSE(rig.f.dirty(rig.mem.read64(ro)));
  CHECK(rig.stat("iommu.ats.write_grants") == 1);
}

TEST_CASE("ATS needs the context's device-TLB type: else requests and translated writes fault") {
  IommuRig rig;  // plain translate context
  rig.map(0x1000, 0x7000'0000);
  CHECK_FALSE(rig.iommu->translate_request(IommuRig::kBdf, kNoPasid, 0x1000, true, 0).ok);
  CHECK_FALSE(rig.iommu->translated_access(IommuRig::kBdf, 0x7000'0000, 64, true, 0, 0).ok);
  CHECK(rig.stat("iommu.faults.ats_not_allowed") == 2);
}

TEST_CASE("a translated write through a grant whose D was cleared since is a stale ATC write") {
  IommuRig rig;
  ats_context(rig, true);
  const uint64_t pte = rig.map(0x1000, 0x7000'0000);
  AtsTranslation w = rig.iommu->translate_request(IommuRig::kBdf, kNoPasid, 0x1000, true, 0);
  CHECK(rig.iommu->translated_access(IommuRig::kBdf, w.pbase, 64, true, w.pte_addr, kUs).ok);
  CHECK(rig.stat("iommu.ats.stale_writes") == 0);
  rig.mem.write64(pte, rig.f.without_dirty(rig.mem.read64(pte)));  // a harvest cleared D
  rig.iommu->translated_access(IommuRig::kBdf, w.pbase, 64, true, w.pte_addr, 2 * kUs);
  CHECK(rig.stat("iommu.ats.stale_writes") == 1);
}

TEST_CASE("a wait after a device-TLB invalidation completes only when the device answered") {
  IommuRig rig;
  std::vector<std::pair<uint16_t, uint64_t>> sent;
  rig.iommu->on_device_tlb_invalidate = [&](uint16_t sid, uint64_t, uint64_t bytes, Ps at) {
    sent.push_back({sid, bytes});
    return at + 5 * kUs;
  };
  uint32_t s = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid),
                           InvDescriptor::device_tlb(IommuRig::kBdf, 0x4000, 2)},
                          kUs);
  rig.d.run_until(5 * kUs);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].first == IommuRig::kBdf);
  CHECK(sent[0].second == 4 * 4096);
  CHECK(rig.mem.read32(IommuRig::kStatus) != s);
  rig.d.run_until(7 * kUs);
  CHECK(rig.mem.read32(IommuRig::kStatus) == s);
  CHECK(rig.stat("iommu.inv.device_tlb") == 1);
  CHECK(rig.stat("iommu.inv.sync_latency_device_tlb_ns.count") == 1);
  CHECK(rig.stat("iommu.inv.sync_latency_device_tlb_ns.p50") >= 5000);
  uint32_t s2 = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, 10 * kUs);
  rig.d.run_until(20 * kUs);
  CHECK(rig.mem.read32(IommuRig::kStatus) == s2);
  CHECK(rig.stat("iommu.inv.sync_latency_iotlb_ns.count") == 1);
  CHECK(rig.stat("iommu.inv.sync_latency_device_tlb_ns.count") == 1);
}
