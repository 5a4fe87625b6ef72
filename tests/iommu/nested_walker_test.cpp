// Two-stage walks: each stage-1 table pointer and the final GPA go through stage 2, so
// a cold miss reads one stage-2 walk per stage-1 entry read plus one for the output,
// besides the stage-1 entries; stage-1 A/D updates are stage-2 writes that dirty the
// guest's table pages.
#include <doctest/doctest.h>

#include <memory>

#include "iommu/nested_walker.h"
#include "iommu/vtd_fs_format.h"
#include "iommu/vtd_ss_format.h"

using namespace sim;

namespace {

// A guest whose physical memory [0, 1 GiB) sits at host 4 GiB + GPA, mapped by stage 2
// with leaves of 2^s2_shift bytes; the guest's own tables live in that memory.
struct NestedRig {
  static constexpr uint64_t kGuestBase = 4ull << 30;
  static constexpr uint64_t kGuestSize = 1ull << 30;
  static constexpr uint64_t kS2Root = 0x100000;
  static constexpr uint64_t kS1Root = 0x10000;  // a GPA

  VtdFsFormat s1;
  VtdSsFormat s2;
  SparseMemory mem{8ull << 30};
  MemoryTiming timing{100, 1ull << 34};
  NestedWalker walker{s1, s2, mem, timing, 0};
  uint64_t next_s2 = kS2Root + 4096;
  uint64_t next_s1 = kS1Root + 4096;

  NestedRig(unsigned s1_levels, unsigned s2_levels, unsigned s2_shift, bool s2_w = true)
      : s1(s1_levels), s2(s2_levels) {
    for (uint64_t g = 0; g < kGuestSize; g += 1ull << s2_shift)
      map(s2, kS2Root, 0, g, kGuestBase + g, s2_shift, s2_w, next_s2);
  }
  // Writes a leaf into a table tree whose addresses sit at host `base` + address.
  void map(const PageTableFormat& f, uint64_t root, uint64_t base, uint64_t va, uint64_t pa,
           unsigned shift, bool w, uint64_t& next) {
    const unsigned level = f.leaf_level(shift);
    uint64_t table = root;
    for (unsigned l = f.levels(); l > level; --l) {
      uint64_t* slot = mem.word64(base + table + 8 * f.index(va, l));
      if (!f.decode(*slot, l).present) {
        *slot = f.make_table(next, l);
        next += 4096;
      }
      table = f.decode(*slot, l).addr;
    }
    *mem.word64(base + table + 8 * f.index(va, level)) = f.make_leaf(pa, shift, {true, w, false});
  }
  void map_s1(uint64_t iova, uint64_t gpa, unsigned shift = 12, bool w = true) {
    map(s1, kS1Root, kGuestBase, iova, gpa, shift, w, next_s1);
  }
  NestedWalkResult walk(uint64_t iova, bool write, bool track_s2 = true) {
    return walker.walk(kS1Root, kS2Root, iova, write, true, track_s2, 0);
  }
  // The stage-2 leaf that maps a GPA, as raw bits.
  uint64_t s2_leaf(uint64_t gpa) {
    uint64_t table = kS2Root;
    for (unsigned l = s2.levels(); l >= 1; --l) {
      const uint64_t raw = mem.read64(table + 8 * s2.index(gpa, l));
      const Pte p = s2.decode(raw, l);
      if (p.leaf || !p.present) return raw;
      table = p.addr;
    }
    return 0;
  }
};

}  // namespace

TEST_CASE(
    "nested walk: a cold miss reads (stage-1 levels + 1) stage-2 walks and the stage-1 entries") {
  struct Case {
    unsigned s1_levels, s2_levels, s2_shift, s1_shift, reads;
  };
  const Case cases[] = {
      {4, 4, 12, 12, 24},  // 4 * 4 + 4 + 4
      {5, 4, 12, 12, 29},  // 6 * 4 + 5
      {4, 5, 12, 12, 29},  // 5 * 5 + 4
      {4, 4, 21, 12, 19},  // 2 MiB stage-2 leaves: 5 * 3 + 4
      {4, 4, 12, 21, 19},  // a 2 MiB stage-1 leaf: 3 stage-1 reads, 4 stage-2 walks
      {4, 4, 30, 30, 8},   // 1 GiB leaves on both: 2 + 3 * 2
  };
  for (const Case& c : cases) {
    CAPTURE(c.s1_levels);
    CAPTURE(c.s2_levels);
    CAPTURE(c.s2_shift);
    CAPTURE(c.s1_shift);
    auto rig = std::make_unique<NestedRig>(c.s1_levels, c.s2_levels, c.s2_shift);
    const uint64_t iova = 0x4000'0000ull << (c.s1_shift == 30 ? 1 : 0);
    const uint64_t gpa = c.s1_shift == 30 ? 0 : 0x2000'0000;  // a 1 GiB leaf: the whole guest
    rig->map_s1(iova, gpa, c.s1_shift);
    const NestedWalkResult r = rig->walk(iova + 0x123, false);
    REQUIRE(r.fault == FaultReason::None);
    CHECK(r.reads() == c.reads);
    CHECK(r.s1_reads == c.s1_levels - (c.s1_shift - 12) / 9);
    CHECK(r.gpa == gpa + 0x123);
    CHECK(r.pbase ==
          ((NestedRig::kGuestBase + gpa) & ~((1ull << std::min(c.s1_shift, c.s2_shift)) - 1)));
    CHECK(r.size_shift == std::min(c.s1_shift, c.s2_shift));
  }
}

TEST_CASE(
    "nested walk: a write sets stage-1 A and D and dirties the guest table and data pages in stage "
    "2") {
  NestedRig rig(4, 4, 12);
  rig.map_s1(0x1000, 0x3000'0000);
  const NestedWalkResult r = rig.walk(0x1000, true);
  REQUIRE(r.fault == FaultReason::None);
  CHECK(r.w);
  CHECK(r.s1_a_set);
  CHECK(r.s1_d_set);
  CHECK(r.s2_d_set);  // the data page
  // Every stage-1 table got A (x86 sets it at each level): four guest table pages written,
  // each newly dirty in stage 2.
  CHECK(r.n_table_writes == 4);
  CHECK(r.s2_table_pages_dirtied == 4);
  CHECK(rig.s2.dirty(rig.s2_leaf(NestedRig::kS1Root)));
  CHECK(rig.s2.dirty(rig.s2_leaf(0x3000'0000)));
  const uint64_t leaf = rig.mem.read64(r.s1_pte_addr);
  CHECK((leaf & VtdFsFormat::A));
  CHECK((leaf & VtdFsFormat::D));
  // A second write finds A and D set: no guest table is written again.
  const NestedWalkResult again = rig.walk(0x1000, true);
  CHECK(again.n_table_writes == 0);
  CHECK_FALSE(again.s1_d_set);
  CHECK_FALSE(again.s2_d_set);
  CHECK(again.reads() == r.reads());
}

TEST_CASE(
    "nested walk: without stage-2 tracking the guest's A/D still update, stage 2 stays clean") {
  NestedRig rig(4, 4, 12);
  rig.map_s1(0x1000, 0x3000'0000);
  const NestedWalkResult r = rig.walk(0x1000, true, false);
  REQUIRE(r.fault == FaultReason::None);
  CHECK(r.s1_d_set);
  CHECK(r.n_table_writes == 4);
  CHECK(r.s2_table_pages_dirtied == 0);
  CHECK_FALSE(rig.s2.dirty(rig.s2_leaf(0x3000'0000)));
}

TEST_CASE("nested walk: faults name the stage that faulted") {
  SUBCASE("stage 1 not present") {
    NestedRig rig(4, 4, 12);
    const NestedWalkResult r = rig.walk(0x5000, false);
    CHECK(r.fault == FaultReason::NotPresent);
    CHECK(r.fault_stage == WalkStage::Stage1);
  }
  SUBCASE("stage 1 read-only") {
    NestedRig rig(4, 4, 12);
    rig.map_s1(0x1000, 0x3000'0000, 12, false);
    const NestedWalkResult r = rig.walk(0x1000, true);
    CHECK(r.fault == FaultReason::WriteToReadOnly);
    CHECK(r.fault_stage == WalkStage::Stage1);
  }
  SUBCASE("stage 2 does not map the output GPA") {
    NestedRig rig(4, 4, 12);
    rig.map_s1(0x1000, NestedRig::kGuestSize + 0x1000);  // beyond the guest's memory
    const NestedWalkResult r = rig.walk(0x1000, false);
    CHECK(r.fault == FaultReason::NotPresent);
    CHECK(r.fault_stage == WalkStage::Stage2);
    CHECK(r.fault_gpa == NestedRig::kGuestSize + 0x1000);
  }
  SUBCASE("stage 2 maps the guest's tables read-only: the A/D update faults in stage 2") {
    NestedRig rig(4, 4, 12, false);
    rig.map_s1(0x1000, 0x3000'0000);
    const NestedWalkResult r = rig.walk(0x1000, false);
    CHECK(r.fault == FaultReason::WriteToReadOnly);
    CHECK(r.fault_stage == WalkStage::Stage2);
    CHECK(r.fault_gpa == NestedRig::kS1Root + 8 * rig.s1.index(0x1000, 4));
  }
  SUBCASE("an IOVA beyond stage 1's reach") {
    NestedRig rig(4, 4, 12);
    const NestedWalkResult r = rig.walk(1ull << 48, false);
    CHECK(r.fault == FaultReason::BeyondFormat);
    CHECK(r.fault_stage == WalkStage::Stage1);
  }
}

TEST_CASE("vtd-fs format: present is P, writable is R/W, large leaves have PS, D only in leaves") {
  VtdFsFormat f(4);
  const uint64_t leaf = f.make_leaf(0x20'0000, 21, {true, true, false});
  const Pte p = f.decode(leaf, 2);
  CHECK(p.present);
  CHECK(p.leaf);
  CHECK(p.w);
  CHECK(p.size_shift == 21);
  CHECK(p.addr == 0x20'0000);
  CHECK_FALSE(f.decode(0, 1).present);
  const uint64_t table = f.make_table(0x5000, 3);
  CHECK_FALSE(f.decode(table, 3).leaf);
  CHECK(f.table_with_access(table) == (table | VtdFsFormat::A));
  CHECK(f.dirty(f.with_access(leaf, true)));
  CHECK_FALSE(f.dirty(f.without_dirty(f.with_access(leaf, true))));
  CHECK_FALSE(f.decode(f.make_leaf(0x1000, 12, {true, false, false}), 1).w);
}
