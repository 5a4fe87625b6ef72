// The IOMMU's deliberate bugs, for the flush study's negative controls: each must
// break exactly the rule it names, and nothing when off.
#include <doctest/doctest.h>

#include "tests/iommu/iommu_fixture.h"

using namespace sim;
using sim::test::IommuRig;

namespace {

// A write walks (setting D, dirty-known), the harvest clears D at 100 ns and a domain
// invalidation is processed at 150 ns, before the walk's fill is ready; a later write
// through the entry: is it a stale dirty hit?
uint64_t stale_hits_after_fill_race(bool stale_fill) {
  IommuConfig c;
  c.negative.stale_fill = stale_fill;
  c.walk_overhead = 1 * kUs;  // the walk is in flight until after 1 us
  IommuRig rig(c);
  rig.set_context(true, true);
  const uint64_t pte = rig.map(0x1000, 0x7000'0000);
  Translation w = rig.write(0x1000, 0);
  REQUIRE(w.ready > 200 * kNs);
  REQUIRE(rig.f.dirty(rig.mem.read64(pte)));
  rig.mem.write64(pte, rig.f.without_dirty(rig.mem.read64(pte)));
  rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, 100 * kNs);
  rig.d.run_until(w.ready - 1);
  rig.write(0x1040, 3 * kUs);
  return rig.stat("iommu.ad.stale_dirty_hits");
}

}  // namespace

TEST_CASE("stale_fill: a walk in flight survives the invalidation and leaves a stale entry") {
  CHECK(stale_hits_after_fill_race(true) == 1);
  CHECK(stale_hits_after_fill_race(false) == 0);  // killed: the next write walks, sets D
}

TEST_CASE("no_drain: the wait completes while a write translated before it is in flight") {
  for (bool no_drain : {false, true}) {
    IommuConfig c;
    c.negative.no_drain = no_drain;
    IommuRig rig(c);
    rig.iommu->write_visible(5 * kUs);
    uint32_t s = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, kUs);
    rig.d.run_until(4 * kUs);
    CHECK((rig.mem.read32(IommuRig::kStatus) == s) == no_drain);
  }
}

TEST_CASE("IOTLB keep_in_flight spares only entries not yet ready") {
  Iotlb t(8, 2, true);
  t.set_keep_in_flight(true);
  IotlbEntry e;
  e.did = 1;
  e.vbase = 0x1000;
  e.ready = 100;
  t.fill(e);
  CHECK(t.invalidate_domain(1, 50) == 0);
  CHECK(t.invalidate_range(1, 0, 0x10000, 99) == 0);
  CHECK(t.invalidate_all(100) == 1);
}

TEST_CASE("fault log: a record per fault in memory, full, it drops and flags overflow") {
  IommuRig rig;
  const uint64_t log = 0x500000;
  rig.iommu->mmio_write(vtd::AFLOG, log, 8, 0);  // one page: 256 records
  rig.iommu->mmio_write(vtd::GCMD, vtd::TE | vtd::SRTP | vtd::QIE | vtd::SFL, 4, 0);
  CHECK((rig.iommu->mmio_read(vtd::GSTS, 4, 0) & vtd::SFL) != 0);
  rig.write(0x9000, 0);  // not mapped
  FaultRecord r = FaultRecord::decode(rig.mem.read64(log), rig.mem.read64(log + 8));
  CHECK(r.addr == 0x9000);
  CHECK(r.sid == IommuRig::kBdf);
  CHECK(r.reason == uint8_t(FaultReason::NotPresent));
  CHECK(r.write);
  CHECK((rig.mem.read64(log + 8) >> 63) == 1);
  for (int i = 1; i < 256; ++i) rig.read(0x9000 + 64 * i, kUs);
  CHECK((rig.iommu->mmio_read(vtd::FSTS, 4, 0) & vtd::AFO) == 0);
  rig.read(0xa000, 2 * kUs);  // the 257th
  CHECK((rig.iommu->mmio_read(vtd::FSTS, 4, 0) & vtd::AFO) != 0);
  CHECK(rig.stat("iommu.faults.dropped") == 1);
  CHECK(rig.stat("iommu.faults") == 257);
  rig.iommu->mmio_write(vtd::FSTS, vtd::AFO, 4, 3 * kUs);  // software clears the flag...
  CHECK((rig.iommu->mmio_read(vtd::FSTS, 4, 0) & vtd::AFO) == 0);
  rig.iommu->mmio_write(vtd::GCMD, vtd::TE | vtd::QIE | vtd::SFL, 4, 3 * kUs);  // ...re-arms
  rig.read(0xb000, 4 * kUs);
  CHECK(FaultRecord::decode(rig.mem.read64(log), rig.mem.read64(log + 8)).addr == 0xb000);
}

TEST_CASE("invalidation costs per descriptor kind, blocks_translation holds lookups") {
  for (bool blocks : {false, true}) {
    IommuConfig c;
    c.invalidation.iotlb_domain = 1 * kUs;
    c.invalidation.iotlb_page = 30 * kNs;
    c.invalidation.blocks_translation = blocks;
    IommuRig rig(c);
    rig.map(0x1000, 0x7000'0000);
    rig.read(0x1000, 0);  // fills the IOTLB
    uint32_t s = rig.submit({InvDescriptor::iotlb_domain(IommuRig::kDid)}, 10 * kUs);
    rig.d.run_until(10 * kUs + 500 * kNs);
    Translation t = rig.read(0x1000, 10 * kUs + 500 * kNs);  // the domain one is running
    if (blocks) {
      CHECK(t.ready >= 11 * kUs);
      CHECK(rig.stat("iommu.inv.blocked_ns") == 500);
    } else {
      CHECK(t.ready < 11 * kUs);
      CHECK(rig.stat("iommu.inv.blocked_ns") == 0);
    }
    rig.d.run_until(11 * kUs + 199 * kNs);
    CHECK(rig.mem.read32(IommuRig::kStatus) != s);  // 1 us + the 200 ns wait
    rig.d.run_until(11 * kUs + 201 * kNs);
    CHECK(rig.mem.read32(IommuRig::kStatus) == s);
    uint32_t p =
        rig.submit({InvDescriptor::iotlb_page(IommuRig::kDid, 0x1000, 0, false)}, 20 * kUs);
    rig.d.run_until(20 * kUs + 231 * kNs);
    CHECK(rig.mem.read32(IommuRig::kStatus) == p);  // 30 ns + 200 ns
  }
}

TEST_CASE("background invalidations share the engine: sync latency grows under contention") {
  auto sync_ns = [](Ps interval) {
    IommuConfig c;
    c.invalidation.descriptor = 400 * kNs;
    c.invalidation.background_interval = interval;
    c.invalidation.background_domain_every = 3;
    IommuRig rig(c);
    rig.map(0x1000, 0x7000'0000);
    rig.read(0x1000, 0);
    rig.d.run_until(10 * kUs + 100 * kNs);  // a background pair arrived at 10 us
    rig.submit({InvDescriptor::iotlb_page(IommuRig::kDid, 0x1000, 0, false)}, 10 * kUs + 100 * kNs);
    rig.d.run_until(20 * kUs);
    CHECK(rig.stat("iommu.inv.waits") == 1);             // only software's waits count
    CHECK(rig.stat("iommu.iotlb.entries_killed") == 1);  // foreign domains kill none of ours
    if (interval) CHECK(rig.stat("iommu.inv.background") == 2 * 20 * kUs / interval - 2);
    return rig.stat("iommu.inv.sync_latency_ns.p50");
  };
  const uint64_t quiet = sync_ns(0), busy = sync_ns(kUs);
  CHECK(quiet == 600);         // 400 ns descriptor + 200 ns wait
  CHECK(busy >= quiet + 400);  // behind the background pair that arrived at 10 us
}

TEST_CASE("range descriptors: exact on arbitrary_range hardware, a domain one elsewhere") {
  InvDescriptor r = InvDescriptor::iotlb_range(IommuRig::kDid, 0x2000, 3);
  uint64_t lo, hi;
  r.encode(lo, hi);
  InvDescriptor back = InvDescriptor::decode(lo, hi);
  CHECK(back.granularity == InvDescriptor::kRange);
  CHECK(back.pages == 3);
  CHECK(back.addr == 0x2000);
  for (const char* enc : {"arbitrary_range", "pow2_aligned"}) {
    IommuConfig c;
    c.invalidation.encoding = kInvEncodings.value(enc);
    IommuRig rig(c);
    for (uint64_t p = 1; p <= 6; ++p) {
      rig.map(p << 12, 0x7000'0000 + (p << 12));
      rig.read(p << 12, 0);
    }
    rig.submit({r}, kUs);
    rig.d.run_until(2 * kUs);
    const bool exact = std::string(enc) == "arbitrary_range";
    CHECK(rig.stat("iommu.iotlb.entries_killed") == (exact ? 3u : 6u));  // pages 2..4, or all
    CHECK(rig.stat("iommu.inv.unsupported") == (exact ? 0u : 1u));
  }
}
