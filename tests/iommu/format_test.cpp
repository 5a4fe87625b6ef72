// The page-table formats behind PageTableFormat: encodings of every level and leaf
// size, AMD v1's replicated leaves, Arm's DBM dirty state, and walks over
// hand-built tables of each format through the one generic walker.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "iommu/amd_v1_format.h"
#include "iommu/arm_s1_format.h"
#include "tests/iommu/iommu_fixture.h"

using namespace sim;
using sim::test::IommuRig;

namespace {
IommuConfig with_format(const char* name, unsigned levels = 4) {
  IommuConfig c;
  c.format = name;
  c.levels = levels;
  return c;
}
std::vector<unsigned> sizes_of(const PageTableFormat& f) {
  std::vector<unsigned> out;
  for (unsigned s = 0; s < 64; ++s)
    if (f.page_sizes() >> s & 1) out.push_back(s);
  return out;
}
}  // namespace

TEST_CASE("make_format knows each format and its level counts") {
  CHECK(make_format("vtd-ss", 5)->name() == "vtd-ss");
  for (unsigned l = 3; l <= 6; ++l) CHECK(make_format("amd-v1", l)->levels() == l);
  CHECK_FALSE(make_format("amd-v1", 2));
  CHECK_FALSE(make_format("amd-v1", 7));
  CHECK(make_format("arm-s1", 4)->name() == "arm-s1");
  CHECK_FALSE(make_format("arm-s1", 5));
  CHECK_FALSE(make_format("vtd-ss", 3));
  CHECK_FALSE(make_format("x86-fs", 4));
  CHECK(format_levels("amd-v1") == std::pair<unsigned, unsigned>{3, 6});
  CHECK(AmdV1Format(3).iova_bits() == 39);
  CHECK(AmdV1Format(6).iova_bits() == 64);
  CHECK(ArmS1Format().iova_bits() == 48);
}

TEST_CASE("the registry: each format made under its name, and docs/scenario.md names each") {
  const std::vector<std::string> names = format_names();
  CHECK(names == std::vector<std::string>{"vtd-ss", "amd-v1", "arm-s1"});
  std::ifstream in(std::string(SIM_SOURCE_DIR) + "/docs/scenario.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(doc.empty());
  for (const std::string& n : names) {
    auto [lo, hi] = format_levels(n);
    REQUIRE(lo > 0);
    CHECK(make_format(n, lo)->name() == n);
    CHECK(make_format(n, hi)->levels() == hi);
    CHECK_MESSAGE(doc.find("`" + n + "`") != std::string::npos, n);
  }
}

TEST_CASE("every format round-trips tables at every level and leaves of every size") {
  for (auto [name, levels] : {std::pair{"vtd-ss", 4u},
                              {"vtd-ss", 5u},
                              {"amd-v1", 3u},
                              {"amd-v1", 4u},
                              {"amd-v1", 6u},
                              {"arm-s1", 4u}}) {
    CAPTURE(name);
    CAPTURE(levels);
    std::unique_ptr<PageTableFormat> f = make_format(name, levels);
    REQUIRE(f);
    for (unsigned l = 2; l <= levels; ++l) {
      Pte t = f->decode(f->make_table(0x12345000, l), l);
      CHECK(t.present);
      CHECK_FALSE(t.leaf);
      CHECK(t.addr == 0x12345000);
    }
    CHECK_FALSE(f->decode(0, 1).present);
    for (unsigned shift : sizes_of(*f)) {
      CAPTURE(shift);
      const uint64_t pa = 0x3000'0000'0000ull;  // within every format's address bits
      const unsigned level = f->leaf_level(shift);
      for (bool w : {false, true}) {
        Pte p = f->decode(f->make_leaf(pa, shift, {true, w, false}), level);
        CHECK(p.present);
        CHECK(p.leaf);
        CHECK(p.r);
        CHECK(p.w == w);
        CHECK(p.size_shift == shift);
        CHECK(p.addr == pa);
        CHECK_FALSE(f->dirty(f->make_leaf(pa, shift, {true, w, false})));
        // Cleaned, a leaf of a dirty-capable domain reads clean and keeps its permission.
        const uint64_t clean = f->without_dirty(f->make_leaf(pa, shift, {true, w, true}));
        CHECK_FALSE(f->dirty(clean));
        CHECK(f->decode(clean, level).w == w);
      }
      CHECK(f->entry_span(level) * f->leaf_entries(shift) == 1ull << shift);
    }
  }
}

TEST_CASE("amd-v1: NextLevel 0 for a level's span, 7 with the size in the address bits") {
  AmdV1Format f(4);
  CHECK(sizes_of(f).size() == 39 - 12);  // 4 KiB .. 256 GiB, every power of two
  const uint64_t r2m = f.make_leaf(0x4000'0000, 21, {true, true});
  CHECK((r2m & AmdV1Format::kNextMask) == 0);
  CHECK((r2m & AmdV1Format::IR) != 0);
  CHECK((r2m & AmdV1Format::IW) != 0);
  const uint64_t r8k = f.make_leaf(0x4000'0000, 13, {true, false});
  CHECK((r8k & AmdV1Format::kNextMask) == AmdV1Format::kNextMask);
  CHECK((r8k & 0x1000) == 0);  // bit 12 zero: 8 KiB
  const uint64_t r64k = f.make_leaf(0x4000'0000, 16, {true, true});
  CHECK(((r64k >> 12) & 0xf) == 0x7);  // bits 12..14 one, 15 zero: 64 KiB
  CHECK(f.leaf_entries(16) == 16);
  CHECK(f.leaf_level(16) == 1);
  CHECK(f.leaf_entries(22) == 2);  // 4 MiB: two 2 MiB entries at level 2
  CHECK(f.leaf_level(22) == 2);
  CHECK(f.decode(f.make_leaf(0x4000'0000, 22, {true, true}), 2).size_shift == 22);
  CHECK(f.decode(r64k, 1).addr == 0x4000'0000);
  // A, D and their clear.
  uint64_t raw = f.with_access(r64k, false);
  CHECK((raw & AmdV1Format::A) != 0);
  CHECK_FALSE(f.dirty(raw));
  raw = f.with_access(raw, true);
  CHECK(f.dirty(raw));
  CHECK(raw == (r64k | AmdV1Format::A | AmdV1Format::D));
  CHECK(f.without_dirty(raw) == (r64k | AmdV1Format::A));
  CHECK_FALSE(f.clean_needs_tracking());
}

TEST_CASE("amd-v1: level skips and sizes outside their level decode as not present") {
  AmdV1Format f(4);
  CHECK_FALSE(f.decode(f.make_table(0x5000, 3), 4).present);  // NextLevel 2 at level 4
  CHECK_FALSE(f.decode(f.make_table(0x5000, 2), 1).present);  // a table at level 1
  // A 2 MiB size encoded at level 1 (all 512 entries) or a 64 KiB one at level 2.
  const uint64_t r2m_as7 = 0x4000'0000 | 0xff000 | AmdV1Format::PR | AmdV1Format::kNextMask;
  CHECK_FALSE(f.decode(r2m_as7, 1).present);
  CHECK_FALSE(f.decode(f.make_leaf(0x4000'0000, 16, {true, true}), 2).present);
  CHECK_FALSE(f.decode(f.make_leaf(0x4000'0000, 16, {true, true}) & ~AmdV1Format::PR, 1).present);
}

TEST_CASE("arm-s1: pages, blocks and tables, level-1 blocks and level-4 blocks are invalid") {
  ArmS1Format f;
  const uint64_t page = f.make_leaf(0x7000'0000, 12, {true, true, true});
  CHECK((page & ArmS1Format::kTable) != 0);  // the page bit
  CHECK((page & ArmS1Format::kAf) != 0);
  CHECK((page & ArmS1Format::kDbm) != 0);
  CHECK((page & ArmS1Format::kApRo) == 0);  // writable-dirty
  CHECK(f.dirty(page));
  const uint64_t block = f.make_leaf(0x4000'0000, 30, {true, true, false});
  CHECK((block & ArmS1Format::kTable) == 0);
  CHECK((block & ArmS1Format::kDbm) == 0);  // not dirty-capable: no DBM
  CHECK_FALSE(f.dirty(block));              // and so never dirty
  CHECK(f.decode(block, 3).size_shift == 30);
  CHECK_FALSE(f.decode(page & ~ArmS1Format::kTable, 1).present);
  CHECK_FALSE(f.decode(block, 4).present);
  CHECK(f.decode(page, 2).present);  // at level 2 the same bits are a table
  CHECK_FALSE(f.decode(page, 2).leaf);
  const uint64_t ro = f.make_leaf(0x7000'0000, 12, {true, false, true});
  CHECK((ro & ArmS1Format::kApRo) != 0);
  CHECK((ro & ArmS1Format::kDbm) == 0);
  CHECK_FALSE(f.decode(ro, 1).w);
  CHECK(f.with_access(ro, true) == ro);  // no DBM: hardware never makes it writable
  CHECK(f.clean_needs_tracking());
}

TEST_CASE("arm-s1: writable-clean, a write makes it writable-dirty, setting AP[2] cleans it") {
  ArmS1Format f;
  const uint64_t dirty = f.make_leaf(0x7000'0000, 12, {true, true, true});
  const uint64_t clean = f.without_dirty(dirty);
  CHECK((clean & (ArmS1Format::kDbm | ArmS1Format::kApRo)) ==
        (ArmS1Format::kDbm | ArmS1Format::kApRo));
  Pte p = f.decode(clean, 1);
  CHECK(p.w);
  CHECK(p.w_needs_tracking);
  CHECK_FALSE(p.d);
  CHECK(f.with_access(clean, false) == clean);  // a read leaves it clean
  CHECK(f.with_access(clean, true) == dirty);   // HD clears AP[2]
  CHECK(f.decode(dirty, 1).d);
  CHECK_FALSE(f.decode(dirty, 1).w_needs_tracking);
}

TEST_CASE("walks over hand-built tables of every format and leaf size") {
  for (auto [name, levels] :
       {std::pair{"vtd-ss", 5u}, {"amd-v1", 3u}, {"amd-v1", 6u}, {"arm-s1", 4u}}) {
    CAPTURE(name);
    IommuRig rig(with_format(name, levels));
    const PageTableFormat& f = rig.iommu->format();
    uint64_t iova = 0, pa = 0;
    unsigned walks = 0;
    for (unsigned shift : sizes_of(f)) {
      if (shift > 30) break;
      const uint64_t size = 1ull << shift;
      iova = (iova + size - 1) / size * size + size;  // aligned, past the previous one
      pa = 0x1'0000'0000ull + size * 3;
      rig.map_size(iova, pa, shift, {true, true, false});
      const uint64_t off = size / 2 + 0x18;
      Translation t = rig.read(iova + off, 0);
      CHECK(t.ok);
      CHECK(t.pa == pa + off);
      ++walks;
    }
    CHECK(rig.stat("iommu.walks") == walks);
    CHECK(rig.read(iova + 8, kUs).pa == pa + 8);  // a hit
    CHECK(rig.stat("iommu.walks") == walks);
  }
}

TEST_CASE("amd-v1: a replicated 64 KiB leaf is walked through any replica, A/D on that one") {
  IommuRig rig(with_format("amd-v1", 4));
  const PageTableFormat& f = rig.iommu->format();
  const uint64_t first = rig.map_size(0x1'0000, 0x8000'0000, 16, {true, true});
  PageWalker walker(f, rig.mem, rig.timing, 0);
  for (unsigned i = 0; i < 16; ++i) {
    WalkResult w = walker.walk(IommuRig::kPtRoot, 0x1'0000 + i * 0x1000 + 4, false, false, 0);
    CHECK(w.fault == FaultReason::None);
    CHECK(w.pte_addr == first + 8 * i);
    CHECK(w.size_shift == 16);
    CHECK(w.pbase == 0x8000'0000);
  }
  // Through the IOMMU: one walk fills a 64 KiB IOTLB entry, the rest of the page hits.
  rig.set_context(true, true);
  Translation t = rig.write(0x1'5008, 0);
  CHECK(t.pa == 0x8000'5008);
  CHECK(rig.read(0x1'f000, kUs).pa == 0x8000'f000);
  CHECK(rig.read(0x1'0000, kUs).pa == 0x8000'0000);
  CHECK(rig.stat("iommu.walks") == 1);
  CHECK(rig.stat("iommu.iotlb.hits") == 2);
  CHECK_FALSE(rig.read(0x2'0000, kUs).ok);  // past the page: not mapped
  for (unsigned i = 0; i < 16; ++i) CHECK(f.dirty(rig.mem.read64(first + 8 * i)) == (i == 5));
}

TEST_CASE(
    "arm-s1 through the IOMMU: writable-clean is written dirty with tracking, faults without") {
  IommuRig rig(with_format("arm-s1"));
  const PageTableFormat& f = rig.iommu->format();
  const uint64_t rw = rig.map_size(0x1000, 0x7000'1000, 12, {true, true, true});
  rig.map_size(0x2000, 0x7000'2000, 12, {true, false, true});
  rig.mem.write64(rw, f.without_dirty(rig.mem.read64(rw)));  // a harvest cleaned it
  // Tracking off (no HD): writable-clean is read-only, and so is read-only.
  CHECK(rig.write(0x1000, 0).fault == FaultReason::WriteToReadOnly);
  CHECK(rig.read(0x1000, 0).ok);
  CHECK(rig.write(0x2000, 0).fault == FaultReason::WriteToReadOnly);
  CHECK_FALSE(f.dirty(rig.mem.read64(rw)));
  // Tracking on (a new context, the IOTLB flushed): the write marks it writable-dirty.
  rig.set_context(true, true);
  rig.submit(
      {InvDescriptor::context_domain(IommuRig::kDid), InvDescriptor::iotlb_domain(IommuRig::kDid)},
      kUs);
  rig.d.run_until(10 * kUs);
  CHECK(rig.read(0x1000, 10 * kUs).ok);  // a read fills a clean, writable entry
  CHECK_FALSE(f.dirty(rig.mem.read64(rw)));
  CHECK(rig.write(0x1000, 11 * kUs).ok);  // the hit marks it dirty
  CHECK(f.dirty(rig.mem.read64(rw)));
  CHECK(rig.stat("iommu.ad.dirty_sets") == 1);
  CHECK(rig.write(0x2000, 12 * kUs).fault == FaultReason::WriteToReadOnly);  // no DBM
  // The clean (AP[2] set) and a flush: the next write walks and marks it again.
  rig.mem.write64(rw, f.without_dirty(rig.mem.read64(rw)));
  rig.submit({InvDescriptor::iotlb_page(IommuRig::kDid, 0x1000, 0, false)}, 13 * kUs);
  rig.d.run_until(20 * kUs);
  CHECK(rig.write(0x1000, 20 * kUs).ok);
  CHECK(f.dirty(rig.mem.read64(rw)));
  CHECK(rig.stat("iommu.ad.dirty_sets") == 2);
}
