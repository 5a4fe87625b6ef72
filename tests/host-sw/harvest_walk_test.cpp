// The harvest's table cursor against a page-by-page reference: holes inside a leaf
// table, a missing leaf table, an unaligned range, clear and re-read.
#include <doctest/doctest.h>

#include <vector>

#include "tests/bench/harvest_bench.h"

using namespace sim;

namespace {

struct Rec {
  uint64_t at, len;
  bool operator==(const Rec&) const = default;
};

// [0, 4 MiB), [6 MiB, 9 MiB + 4 KiB) and [9 MiB + 12 KiB, 16 MiB) in 4 KiB leaves.
struct HoleRig : bench::HarvestRig {
  HoleRig() : HarvestRig(16ull << 20, 4096) {
    dom = drv.domain_alloc(true);
    put(0, 4ull << 20);
    put(6ull << 20, (3ull << 20) + 4096);
    put((9ull << 20) + 12288, (7ull << 20) - 12288);
  }
  void put(uint64_t iova, uint64_t len) {
    auto body = [](IommuDriver& drv, Domain& dom, uint64_t iova, uint64_t len) -> Task<int> {
      Backing b = [iova](uint64_t off) -> std::pair<uint64_t, uint64_t> {
        return {kTables + iova + off, 4096};
      };
      co_await drv.map(dom, iova, len, b, true, true, false);
      co_return 0;
    };
    run(body(drv, *dom, iova, len));
  }
  void dirty(uint64_t iova) {
    REQUIRE(drv.find_leaf(*dom, iova).first);
    uint64_t* pte = mem.word64(drv.find_leaf(*dom, iova).first);
    *pte = drv.format().with_access(*pte, true);
  }
  HarvestCounts harvest(uint64_t iova, uint64_t len, bool no_clear, std::vector<Rec>& out) {
    out.clear();
    auto rec = [&out](uint64_t at, uint64_t l) { out.push_back({at, l}); };
    return run(drv.read_and_clear_dirty(*dom, iova, len, no_clear, rec));
  }
  // Present 4 KiB pages overlapping [iova, iova + len), by a walk from the root each.
  uint64_t present(uint64_t iova, uint64_t len) {
    uint64_t n = 0;
    for (uint64_t p = iova & ~4095ull; p < iova + len; p += 4096)
      n += drv.find_leaf(*dom, p).first != 0;
    return n;
  }
};

}  // namespace

TEST_CASE("harvest cursor: holes and a missing leaf table read as the reference walk") {
  HoleRig rig;
  for (uint64_t p : {0x1000ull, 0x3ff000ull, 0x600000ull, 0x900000ull, 0x903000ull, 0xfff000ull})
    rig.dirty(p);
  std::vector<Rec> got;
  HarvestCounts c = rig.harvest(0, 16ull << 20, true, got);
  CHECK(c.ptes == rig.present(0, 16ull << 20));
  CHECK(c.dirty == 6);
  const std::vector<Rec> want = {{0x1000, 4096},   {0x3ff000, 4096}, {0x600000, 4096},
                                 {0x900000, 4096}, {0x903000, 4096}, {0xfff000, 4096}};
  CHECK(got == want);
}

TEST_CASE("harvest cursor: an unaligned range clips the first and last records") {
  HoleRig rig;
  rig.dirty(0x1000);
  rig.dirty(0x3ff000);
  rig.dirty(0x601000);
  std::vector<Rec> got;
  const uint64_t start = 0x1800, len = 0x601400 - 0x1800;
  HarvestCounts c = rig.harvest(start, len, true, got);
  CHECK(c.ptes == rig.present(start, len));
  const std::vector<Rec> want = {{0x1800, 0x800}, {0x3ff000, 4096}, {0x601000, 0x400}};
  CHECK(got == want);
}

TEST_CASE("harvest cursor: a clearing harvest leaves nothing for the next one") {
  HoleRig rig;
  rig.dirty(0x2000);
  rig.dirty(0xa00000);
  std::vector<Rec> got;
  CHECK(rig.harvest(0, 16ull << 20, false, got).dirty == 2);
  CHECK(got.size() == 2);
  CHECK(rig.harvest(0, 16ull << 20, false, got).dirty == 0);
  CHECK(got.empty());
}

TEST_CASE("harvest cursor: one charge per 2 MiB block, as before the cursor") {
  HoleRig rig;
  std::vector<Rec> got;
  // Eight 2 MiB blocks, the missing one included: one step each.
  CHECK(rig.harvest(0, 16ull << 20, true, got).tables == 8);
}
