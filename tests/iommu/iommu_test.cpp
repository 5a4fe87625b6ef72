#include <doctest/doctest.h>

#include "tests/iommu/iommu_fixture.h"

using namespace sim;
using sim::test::IommuRig;

TEST_CASE("vtd-ss: encode and decode every level and leaf size") {
  VtdSsFormat f(4);
  CHECK(f.iova_bits() == 48);
  CHECK(VtdSsFormat(5).iova_bits() == 57);
  for (unsigned level : {1u, 2u, 3u}) {
    uint64_t pa = 0x40000000ull * 3;
    uint64_t raw = f.make_leaf(pa, 12 + 9 * (level - 1), {true, false});
    Pte p = f.decode(raw, level);
    CHECK(p.present);
    CHECK(p.leaf);
    CHECK(p.r);
    CHECK_FALSE(p.w);
    CHECK(p.addr == pa);
    CHECK(bool(raw & VtdSsFormat::PS) == (level > 1));
  }
  Pte t = f.decode(f.make_table(0x5000, 2), 2);
  CHECK(t.present);
  CHECK_FALSE(t.leaf);
  CHECK(t.addr == 0x5000);
  CHECK_FALSE(f.decode(0, 1).present);
  uint64_t raw = f.with_access(f.make_leaf(0x1000, 12, {true, true}), true);
  CHECK(f.dirty(raw));
  CHECK((raw & VtdSsFormat::A));
  CHECK_FALSE(f.dirty(f.without_dirty(raw)));
  CHECK(f.index(0x0000'7fff'ffff'f000ull, 4) == 255);
  CHECK(f.index(0x20'0000, 2) == 1);
  CHECK(f.entry_span(3) == 1ull << 30);
}

TEST_CASE("descriptors round-trip their encodings") {
  for (InvDescriptor d :
       {InvDescriptor::iotlb_page(7, 0x12345000, 9, true), InvDescriptor::iotlb_domain(3),
        InvDescriptor::iotlb_global(), InvDescriptor::context_device(2, 0x0108),
        InvDescriptor::context_domain(9), InvDescriptor::wait(0x2004, 77)}) {
    uint64_t lo, hi;
    d.encode(lo, hi);
    InvDescriptor e = InvDescriptor::decode(lo, hi);
    CHECK(e.type == d.type);
    CHECK(e.granularity == d.granularity);
    CHECK(e.did == d.did);
    CHECK(e.sid == d.sid);
    CHECK(e.addr == d.addr);
    CHECK(e.am == d.am);
    CHECK(e.ih == d.ih);
    CHECK(e.status == d.status);
  }
  ContextEntry c{true, ContextEntry::kPassThrough, 0xabc000, 3, true, 0x1234};
  auto [lo, hi] = c.encode();
  ContextEntry back = ContextEntry::decode(lo, hi);
  CHECK(back.tt == ContextEntry::kPassThrough);
  CHECK(back.root == 0xabc000);
  CHECK(back.levels() == 5);
  CHECK(back.ade);
  CHECK(back.did == 0x1234);
}

TEST_CASE("a walk over hand-built tables finds 4K, 2M and 1G leaves") {
  IommuRig rig;
  rig.map(0x1000, 0x7000'0000);
  rig.map(0x4000'0000, 0x8000'0000, 2);
  rig.map(0x8000'0000, 0xc000'0000, 3);
  CHECK(rig.read(0x1010, 0).pa == 0x7000'0010);
  CHECK(rig.read(0x4012'3456, 0).pa == 0x8012'3456);
  CHECK(rig.read(0x8765'4321, 0).pa == 0xc765'4321);
  CHECK(rig.stat("iommu.walks") == 3);
  CHECK(rig.read(0x4000'0040, 10 * kUs).pa == 0x8000'0040);  // same 2M entry: a hit
  CHECK(rig.stat("iommu.iotlb.hits") == 1);
}

TEST_CASE("A/D: a read sets A only, a write sets A and D, nothing without tracking") {
  IommuRig rig;
  rig.set_context(true, true);
  uint64_t pte = rig.map(0x1000, 0x7000'0000);
  rig.read(0x1000, 0);
  CHECK((rig.mem.read64(pte) & VtdSsFormat::A));
  CHECK_FALSE(rig.f.dirty(rig.mem.read64(pte)));
  rig.write(0x1000, kUs);  // hit on a clean entry: the D update goes to memory
  CHECK(rig.f.dirty(rig.mem.read64(pte)));
  CHECK(rig.stat("iommu.ad.dirty_sets") == 1);

  IommuRig off;
  uint64_t pte2 = off.map(0x1000, 0x7000'0000);
  off.write(0x1000, 0);
  CHECK(off.mem.read64(pte2) == off.f.make_leaf(0x7000'0000, 12, {true, true}));
}

TEST_CASE(
    "a write through a dirty-known entry after a clear sets nothing until the flush completes") {
  IommuRig rig;
  rig.set_context(true, true);
  uint64_t pte = rig.map(0x5000, 0x7000'5000);
  rig.write(0x5000, 0);
  CHECK(rig.f.dirty(rig.mem.read64(pte)));
  rig.mem.write64(pte, rig.f.without_dirty(rig.mem.read64(pte)));  // the host's clear
  rig.write(0x5000, 5 * kUs);
  CHECK_FALSE(rig.f.dirty(rig.mem.read64(pte)));
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 1);
  // The invalidation is submitted at 6 us but takes effect only when it completes.
  uint32_t s = rig.submit({InvDescriptor::iotlb_page(IommuRig::kDid, 0x5000, 0, false)}, 6 * kUs);
  rig.write(0x5000, 6 * kUs + 10 * kNs);  // before completion: still the stale entry
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 2);
  rig.d.run_until(20 * kUs);
  CHECK(rig.mem.read32(IommuRig::kStatus) == s);
  rig.write(0x5000, 20 * kUs);  // re-walks, D set again
  CHECK(rig.f.dirty(rig.mem.read64(pte)));
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 2);
}

TEST_CASE("wait status is written at completion, not at submit") {
  IommuConfig c;
  c.invalidation.descriptor = 50 * kNs;
  c.invalidation.wait = 200 * kNs;
  IommuRig rig(c);
  uint32_t s = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, kUs);
  rig.d.run_until(kUs + 249 * kNs);
  CHECK(rig.mem.read32(IommuRig::kStatus) != s);
  rig.d.run_until(kUs + 251 * kNs);
  CHECK(rig.mem.read32(IommuRig::kStatus) == s);
  CHECK(rig.stat("iommu.inv.sync_latency_ns.p50") == 250);
}

TEST_CASE("wait drains: it completes only after writes translated before the invalidation land") {
  IommuRig rig;
  rig.iommu->write_visible(5 * kUs);  // a write translated now, landing at 5 us
  uint32_t s = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, kUs);
  rig.d.run_until(4 * kUs);
  CHECK(rig.mem.read32(IommuRig::kStatus) != s);
  rig.d.run_until(6 * kUs);
  CHECK(rig.mem.read32(IommuRig::kStatus) == s);
}

TEST_CASE("the queue ring wraps around") {
  IommuRig rig;
  for (int round = 0; round < 100; ++round) {
    uint32_t s =
        rig.submit({InvDescriptor::iotlb_global(), InvDescriptor::iotlb_global()}, rig.d.now());
    rig.d.run_until(rig.d.now() + 10 * kUs);
    REQUIRE(rig.mem.read32(IommuRig::kStatus) == s);
  }
  CHECK(rig.stat("iommu.inv.waits") == 100);
  CHECK(rig.iommu->mmio_read(vtd::IQH, 8, 0) == rig.tail * 16);
}

TEST_CASE("IOTLB: page-selective order k kills exactly what it covers, large pages included") {
  Iotlb t(64, 4, true);
  auto fill = [&](uint64_t iova, uint8_t shift) {
    IotlbEntry e;
    e.did = 1;
    e.size_shift = shift;
    e.vbase = iova;
    e.pbase = iova;
    t.fill(e);
  };
  fill(0x0000, 12);
  fill(0x1000, 12);
  fill(0x2000, 12);
  fill(0x200000, 21);  // a 2M page
  fill(0x400000, 12);
  CHECK(t.occupancy() == 5);
  CHECK(t.invalidate_range(1, 0x0000, 0x2000) == 2);  // order 1 at 0: two pages
  CHECK(t.lookup(1, 0, 0x2000) != nullptr);
  CHECK(t.invalidate_range(1, 0x1ff000, 0x1000) == 0);           // just below the 2M page
  CHECK(t.invalidate_range(1, 0x200000 + 0x5000, 0x1000) == 1);  // inside the 2M page
  CHECK(t.invalidate_range(2, 0x400000, 0x1000) == 0);           // other domain
  CHECK(t.invalidate_domain(1) == 2);
  CHECK(t.occupancy() == 0);
}

TEST_CASE("IOTLB: LRU evicts the least recently used way of a set") {
  Iotlb t(2, 2, true);  // one set, two ways
  IotlbEntry a, b, c;
  a.did = b.did = c.did = 1;
  a.vbase = 0x1000;
  b.vbase = 0x2000;
  c.vbase = 0x3000;
  t.fill(a);
  t.fill(b);
  CHECK(t.lookup(1, 0, 0x1000));  // a used most recently
  t.fill(c);
  CHECK(t.lookup(1, 0, 0x1000));
  CHECK_FALSE(t.lookup(1, 0, 0x2000));
  CHECK(t.lookup(1, 0, 0x3000));
}

TEST_CASE("faults: not present, write to read-only, blocked device, beyond the format") {
  IommuRig rig;
  rig.map(0x1000, 0x7000'0000, 1, false);
  CHECK(rig.read(0x9000, 0).fault == FaultReason::NotPresent);
  CHECK(rig.write(0x1000, 0).fault == FaultReason::WriteToReadOnly);
  CHECK(rig.write(0x1000, 0, 0x0200).fault == FaultReason::ContextNotPresent);
  CHECK(rig.read(1ull << 48, 0).fault == FaultReason::BeyondFormat);
  CHECK(rig.stat("iommu.faults") == 4);
  CHECK(rig.stat("iommu.faults.not_present") == 1);
}

TEST_CASE("a miss while a walk is in flight joins it") {
  IommuRig rig;
  rig.map(0x1000, 0x7000'0000);
  Translation first = rig.read(0x1000, 0);
  Translation second = rig.read(0x1040, 10 * kNs);
  CHECK(second.ready >= first.ready);
  CHECK(rig.stat("iommu.walks") == 1);
  CHECK(rig.stat("iommu.iotlb.hits") == 1);
}

TEST_CASE("walkers: more concurrent misses than walkers queue") {
  IommuConfig c;
  c.walkers = 1;
  IommuRig rig(c);
  rig.map(0x1000, 0x7000'1000);
  rig.map(0x2000, 0x7000'2000);
  Translation a = rig.read(0x1000, 0), b = rig.read(0x2000, 0);
  CHECK(b.ready > a.ready);
}

TEST_CASE("passthrough: translation off returns the IOVA") {
  IommuConfig c;
  c.mode = IommuMode::Passthrough;
  IommuRig rig(c);
  CHECK_FALSE(rig.iommu->translation_enabled());
  Translation t = rig.write(0x1234'5678, 3);
  CHECK(t.ok);
  CHECK(t.pa == 0x1234'5678);
  CHECK(t.ready == 3);
}

TEST_CASE("context cache: interleaved devices read their entries once, an invalidation re-reads") {
  IommuRig rig;
  rig.map(0x1000, 0x7000'0000);
  const uint16_t other = 0x0200;
  rig.set_context(true, false, other);
  for (int i = 0; i < 6; ++i) {  // alternating, as two devices' TLPs: no re-read
    CHECK(rig.write(0x1000, Ps(i) * kUs).ok);
    CHECK(rig.write(0x1000, Ps(i) * kUs, other).ok);
  }
  CHECK(rig.stat("iommu.context_cache.misses") == 2);  // one fetch per device
  // The other device's entry goes; once the invalidation completes it is read again.
  rig.set_context(false, false, other);
  CHECK(rig.write(0x1000, 10 * kUs, other).ok);  // still cached
  rig.submit({InvDescriptor::context_device(IommuRig::kDid, other)}, 11 * kUs);
  rig.d.run_until(20 * kUs);
  CHECK(rig.write(0x1000, 20 * kUs, other).fault == FaultReason::ContextNotPresent);
  CHECK(rig.write(0x1000, 20 * kUs).ok);
}
