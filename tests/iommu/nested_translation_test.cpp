// Nested translation through the unit: a nested PASID entry's requests walk stage 1
// through stage 2 and fill combined IOTLB entries (the smaller page, the tighter
// permission); faults name their stage; the walk caches of both stages save reads;
// every guest table page a walk writes is reported through the hooks.
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "tests/iommu/nested_fixture.h"

using namespace sim;
using sim::test::NestedIommuRig;

namespace {
constexpr uint64_t kData = 0x200'0000;  // a GPA in the stage-2-mapped guest memory

// Keeps each event as "event key=value ..." lines.
struct TextSink : TraceSink {
  std::string* out;
  explicit TextSink(std::string* o) : out(o) {}
  void write(const TraceEvent& e) override {
    *out += e.event;
    for (const TraceField& f : e.fields) {
      char num[32];
      snprintf(num, sizeof num, f.kind == TraceField::Hex ? "0x%llx" : "%llu",
               (unsigned long long)f.num);
      *out += std::string(" ") + f.key + "=" + (f.kind == TraceField::Text ? f.text : num);
    }
    *out += "\n";
  }
  void close() override {}
};
}  // namespace

TEST_CASE("nested translation: a cold miss reads 24 entries, the combined entry then hits") {
  struct Pair {
    Stage1Format s1;
    const char* name;
  };
  for (Pair p : {Pair{Stage1Format::kVtdFs, "vtd-fs over vtd-ss"},
                 Pair{Stage1Format::kArmS1, "arm-s1 over vtd-ss"}}) {
    CAPTURE(p.name);
    NestedIommuRig rig(NestedIommuRig::with_nesting(), p.s1);
    rig.map_s1(0x4000'1000, kData);
    const Translation t = rig.access(0x4000'1040, false, 0);
    REQUIRE(t.ok);
    CHECK(t.pa == NestedIommuRig::kGuestBase + kData + 0x40);
    CHECK(rig.stat("iommu.walk_reads") == 24);  // 4 stage-2 walks of 4 per stage-1 level + 4 + 4
    CHECK(rig.stat("iommu.nested.walks") == 1);
    CHECK(rig.stat("iommu.nested.reads_per_walk.max") == 24);
    const Translation again = rig.access(0x4000'1080, false, 10 * kUs);
    CHECK(again.pa == NestedIommuRig::kGuestBase + kData + 0x80);
    CHECK(again.ready == 10 * kUs + rig.cfg.hit_latency);
    CHECK(rig.stat("iommu.walk_reads") == 24);
    CHECK(rig.stat("iommu.iotlb.hits") == 1);
  }
}

TEST_CASE("nested translation: a 5-level VT-d first stage over 4 levels reads 6 * 4 + 5") {
  NestedIommuRig rig;
  rig.set_stage1(Stage1Format::kVtdFs, 5, false);
  rig.map_s1(0x1'0000'0000'0000, kData);
  REQUIRE(rig.access(0x1'0000'0000'0000, false, 0).ok);
  CHECK(rig.stat("iommu.walk_reads") == 29);
}

TEST_CASE("nested translation: a stage-1 half naming no format or level count blocks") {
  NestedIommuRig rig;
  SUBCASE("unknown format") {
    rig.set_stage1(Stage1Format(5), 4, false);
  }
  SUBCASE("arm-s1 with 5 levels") {
    rig.set_stage1(Stage1Format::kArmS1, 5, true);
  }
  SUBCASE("vtd-fs with 3 levels") {
    rig.set_stage1(Stage1Format::kVtdFs, 3, false);
  }
  CHECK(rig.access(0x1000, false, 0).fault == FaultReason::ContextNotPresent);
  CHECK(rig.stat("iommu.nested.walks") == 0);
}

TEST_CASE("nested translation: without nesting a nested entry blocks its requests") {
  NestedIommuRig rig(IommuConfig{});
  rig.map_s1(0x1000, kData);
  const Translation t = rig.access(0x1000, false, 0);
  CHECK_FALSE(t.ok);
  CHECK(t.fault == FaultReason::ContextNotPresent);
  CHECK_FALSE(rig.stats.get("iommu.nested.walks"));  // no nested statistics on such a unit
}

TEST_CASE("nested translation: the combined entry has the smaller page of the two stages") {
  struct Case {
    unsigned s1_shift, s2_shift, combined;
  };
  for (Case c : {Case{21, 12, 12}, Case{12, 21, 12}, Case{21, 21, 21}, Case{30, 21, 21}}) {
    CAPTURE(c.s1_shift);
    CAPTURE(c.s2_shift);
    NestedIommuRig rig(NestedIommuRig::with_nesting(), Stage1Format::kVtdFs, c.s2_shift);
    rig.set_ats();  // the translation completion says the entry's size
    const uint64_t iova = 0x4000'0000 + 0x5000, mask = (1ull << c.s1_shift) - 1;
    const uint64_t gpa = (c.s1_shift == 30 ? 0 : kData) + (iova & mask);
    rig.map_s1(iova & ~mask, gpa & ~mask, c.s1_shift);
    const AtsTranslation a =
        rig.iommu->translate_request(NestedIommuRig::kBdf, kNoPasid, iova, true, 0);
    REQUIRE(a.ok);
    CHECK(a.size_shift == c.combined);
    CHECK(a.vbase == (iova & ~((1ull << c.combined) - 1)));
    CHECK(a.pbase == ((NestedIommuRig::kGuestBase + gpa) & ~((1ull << c.combined) - 1)));
    CHECK(a.w);
    // The grant's write walked again to set D in both stages: a later write hits.
    CHECK(rig.iommu->format().dirty(rig.s2_leaf(gpa)));
    const uint64_t walks = rig.stat("iommu.nested.walks");
    CHECK(rig.access(iova, true, kUs).ok);
    CHECK(rig.stat("iommu.nested.walks") == walks);
  }
}

TEST_CASE("nested translation: the tighter permission, and the stage that refused") {
  SUBCASE("stage 1 read-only") {
    NestedIommuRig rig;
    rig.map_s1(0x1000, kData, 12, false);
    CHECK(rig.access(0x1000, false, 0).ok);
    const Translation t = rig.access(0x1000, true, kUs);
    CHECK(t.fault == FaultReason::WriteToReadOnly);
    CHECK(rig.fault_record(0).stage == uint8_t(WalkStage::Stage1));
    CHECK(rig.stat("iommu.faults.stage1") == 1);
    CHECK(rig.stat("iommu.nested.write_rewalks") == 1);  // the hit was read-only: walked again
  }
  SUBCASE("stage 2 read-only for the data page") {
    NestedIommuRig rig;
    rig.map_s2(kData, NestedIommuRig::kGuestBase + kData, 12, false);
    rig.map_s1(0x1000, kData);
    CHECK(rig.access(0x1000, false, 0).ok);
    const Translation t = rig.access(0x1000, true, kUs);
    CHECK(t.fault == FaultReason::WriteToReadOnly);
    const FaultRecord r = rig.fault_record(0);
    CHECK(r.stage == uint8_t(WalkStage::Stage2));
    CHECK(r.addr == 0x1000);
    CHECK(r.write);
    CHECK(rig.stat("iommu.faults.stage2") == 1);
  }
}

TEST_CASE("nested translation: faults name the stage in the log, the trace and the statistics") {
  NestedIommuRig rig;
  std::string text;
  rig.trace.add_sink(std::make_unique<TextSink>(&text));
  rig.map_s1(0x1000, NestedIommuRig::kMappedGuest + 0x3000);  // stage 2 does not map it
  CHECK(rig.access(0x1000, false, 0).fault == FaultReason::NotPresent);
  CHECK(rig.access(0x9000, false, kUs).fault == FaultReason::NotPresent);  // stage 1 lacks it
  CHECK(rig.fault_record(0).stage == uint8_t(WalkStage::Stage2));
  CHECK(rig.fault_record(1).stage == uint8_t(WalkStage::Stage1));
  CHECK(rig.fault_record(1).addr == 0x9000);
  CHECK(rig.stat("iommu.faults.stage1") == 1);
  CHECK(rig.stat("iommu.faults.stage2") == 1);
  CHECK(rig.stat("iommu.faults.not_present") == 2);
  rig.trace.finish();
  CHECK(text.find("stage=stage2") != std::string::npos);
  CHECK(text.find("gpa=0x4003000") != std::string::npos);
  CHECK(text.find("stage=stage1") != std::string::npos);
}

TEST_CASE("nested translation: a legacy context's fault record has no stage") {
  NestedIommuRig rig;
  ContextEntry ctx{true, ContextEntry::kTranslate, 0x7000'0000, 2, false, 5};
  rig.write16(context_entry_addr(NestedIommuRig::kContextTable, 0x0200), ctx.encode());
  RootEntry root{true, NestedIommuRig::kContextTable};
  rig.write16(root_entry_addr(NestedIommuRig::kRootTable, 0x0200), root.encode());
  CHECK(rig.iommu->translate(0x0200, kNoPasid, 0x1000, 64, false, 0).fault ==
        FaultReason::NotPresent);
  CHECK(rig.fault_record(0).stage == 0);
  CHECK((rig.mem.read64(NestedIommuRig::kFaultLog + 8) >> 25 & 3) == 0);
  CHECK(rig.stat("iommu.faults.stage1") + rig.stat("iommu.faults.stage2") == 0);
}

TEST_CASE("nested translation: stage-1 A/D writes reach the hook, once per guest table page") {
  NestedIommuRig rig;
  struct Write {
    uint16_t bdf;
    uint64_t gpa, hpa;
  };
  std::vector<Write> writes;
  rig.iommu->on_guest_table_write = [&](uint16_t bdf, uint64_t gpa, uint64_t hpa, Ps) {
    writes.push_back({bdf, gpa, hpa});
  };
  rig.map_s1(0x1000, kData);
  rig.map_s1(0x2000, kData + 0x1000);
  // The first walk sets A at every level of VT-d's first stage: four table pages.
  REQUIRE(rig.access(0x1000, false, 0).ok);
  REQUIRE(writes.size() == 4);
  CHECK(writes[0].gpa == NestedIommuRig::kS1Root);
  CHECK(writes[0].bdf == NestedIommuRig::kBdf);
  for (const Write& w : writes) CHECK(w.hpa == NestedIommuRig::kGuestBase + w.gpa);
  CHECK(rig.stat("iommu.nested.guest_table_writes") == 4);
  // Stage 2 tracks dirty state: the guest's table pages are dirty on the parent.
  CHECK(rig.iommu->format().dirty(rig.s2_leaf(NestedIommuRig::kS1Root)));
  CHECK(rig.stat("iommu.nested.s2_table_dirty_sets") == 4);
  // A neighbour in the same leaf table: only that table's page is written again.
  writes.clear();
  REQUIRE(rig.access(0x2000, true, kUs).ok);
  REQUIRE(writes.size() == 1);
  const uint64_t leaf_table =
      (rig.map_s1(0x2000, kData + 0x1000) - NestedIommuRig::kGuestBase) & ~0xfffull;
  CHECK(writes[0].gpa == leaf_table);
}

TEST_CASE("nested translation: a write through a clean combined entry walks again, D in both") {
  NestedIommuRig rig;
  const uint64_t s1_leaf = rig.map_s1(0x1000, kData);
  REQUIRE(rig.access(0x1000, false, 0).ok);  // read: A only
  CHECK_FALSE(rig.s1->dirty(rig.mem.read64(s1_leaf)));
  CHECK_FALSE(rig.iommu->format().dirty(rig.s2_leaf(kData)));
  REQUIRE(rig.access(0x1000, true, kUs).ok);
  CHECK(rig.stat("iommu.nested.write_rewalks") == 1);
  CHECK(rig.s1->dirty(rig.mem.read64(s1_leaf)));
  CHECK(rig.iommu->format().dirty(rig.s2_leaf(kData)));
  REQUIRE(rig.access(0x1000, true, 2 * kUs).ok);  // now dirty-known: a plain hit
  CHECK(rig.stat("iommu.nested.write_rewalks") == 1);
  CHECK(rig.stat("iommu.nested.walks") == 2);
}

TEST_CASE("nested translation: the walk caches of both stages cut a neighbour's miss to 3 reads") {
  IommuConfig c = NestedIommuRig::with_nesting();
  c.walk_cache.entries = 16;
  c.walk_cache.stage1_entries = 16;
  NestedIommuRig rig(c);
  rig.map_s1(0x1000, kData);
  rig.map_s1(0x2000, kData + 0x1000);
  REQUIRE(rig.access(0x1000, false, 0).ok);
  const uint64_t cold = rig.stat("iommu.walk_reads");
  CHECK(cold < 24);  // stage-2 walks of neighbouring table pages already hit
  REQUIRE(rig.access(0x2000, false, kUs).ok);
  // Stage 1 starts at the leaf table (its GPA cached); its page and the data page each
  // take one stage-2 read from the stage-2 cache's leaf table; one stage-1 read.
  CHECK(rig.stat("iommu.walk_reads") - cold == 3);
  CHECK(rig.stat("iommu.nested.s1_walk_cache_hits") == 1);
  CHECK(rig.stat("iommu.nested.s2_walk_cache_hits") >= 2);
}

TEST_CASE(
    "nested translation: Arm stage 1 with HTTU dirties a writable-clean leaf through stage "
    "2, without it the page is read-only in stage 1") {
  for (bool httu : {true, false}) {
    CAPTURE(httu);
    NestedIommuRig rig(NestedIommuRig::with_nesting(), Stage1Format::kArmS1);
    PasidNesting n{NestedIommuRig::kS1Root, Stage1Format::kArmS1, 4, httu, NestedIommuRig::kS2Did};
    rig.write16(pasid_nesting_addr(NestedIommuRig::kPasidTable, kRidPasid), n.encode());
    const uint64_t leaf = rig.map_s1(0x1000, kData);
    rig.mem.write64(leaf, rig.s1->without_dirty(rig.mem.read64(leaf)));  // writable-clean
    std::vector<uint64_t> pages;
    rig.iommu->on_guest_table_write = [&](uint16_t, uint64_t gpa, uint64_t, Ps) {
      pages.push_back(gpa);
    };
    const Translation t = rig.access(0x1000, true, 0);
    if (!httu) {
      CHECK(t.fault == FaultReason::WriteToReadOnly);
      CHECK(rig.fault_record(0).stage == uint8_t(WalkStage::Stage1));
      CHECK(pages.empty());
      continue;
    }
    REQUIRE(t.ok);
    CHECK(rig.s1->dirty(rig.mem.read64(leaf)));
    // Arm has no access flag in table entries: only the leaf's table page is written.
    REQUIRE(pages.size() == 1);
    CHECK(pages[0] == ((leaf - NestedIommuRig::kGuestBase) & ~0xfffull));
    CHECK(rig.iommu->format().dirty(rig.s2_leaf(pages[0])));
  }
}
