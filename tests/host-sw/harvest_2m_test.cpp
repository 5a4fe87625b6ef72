// The harvest over tables of 2 MiB leaves on every format: a level-2 table mixing 2 MiB
// leaves, a table of 4 KiB leaves and a hole, a 1 GiB leaf, AMD's replicated 4 MiB
// leaves; records, counts, steps and the CPU time charged, which are the general
// path's (one step per leaf table, an absent level-2 slot ending its step).
#include <doctest/doctest.h>

#include <vector>

#include "tests/bench/harvest_bench.h"

using namespace sim;

namespace {

struct Rec {
  uint64_t at, len;
  bool operator==(const Rec&) const = default;
};

constexpr uint64_t kMiB = 1 << 20, kGiB = 1 << 30;

// [0, 1 GiB): 2 MiB leaves but slot 5 (4 KiB leaves from 10 MiB + 4 KiB, its first
// slot absent) and slot 9 (absent); [1 GiB, 2 GiB): one 1 GiB leaf; [2 GiB, +8 MiB):
// physically contiguous per 4 MiB (amd-v1: 4 MiB leaves of two replicas; vtd-ss and
// arm-s1: 2 MiB leaves).
struct MixedRig : bench::HarvestRig {
  explicit MixedRig(const char* format) : HarvestRig(4 * kGiB, 2 * kMiB, format) {
    dom = drv.domain_alloc(true);
    put(0, 10 * kMiB, 2 * kMiB, true);
    put(10 * kMiB + 4096, 2 * kMiB - 4096, 4096, false);
    put(12 * kMiB, 6 * kMiB, 2 * kMiB, true);
    put(20 * kMiB, kGiB - 20 * kMiB, 2 * kMiB, true);
    put(kGiB, kGiB, kGiB, true);
    put(2 * kGiB, 8 * kMiB, 4 * kMiB, true);
    clean_all();
  }
  // Maps [iova, iova + len) at kTables + iova, physically contiguous per `run` bytes.
  void put(uint64_t iova, uint64_t len, uint64_t run, bool huge) {
    auto body = [](IommuDriver& drv, Domain& dom, uint64_t iova, uint64_t len, uint64_t run,
                   bool huge) -> Task<int> {
      Backing b = [iova, run](uint64_t off) -> std::pair<uint64_t, uint64_t> {
        return {kTables + iova + off, run - (iova + off) % run};
      };
      co_await drv.map(dom, iova, len, b, true, true, huge);
      co_return 0;
    };
    run_task(body(drv, *dom, iova, len, run, huge));
  }
  void run_task(Task<int> t) { HarvestRig::run(std::move(t)); }
  // Dirties the leaf covering iova through the replica walked for it.
  void dirty(uint64_t iova) {
    const uint64_t addr = drv.find_leaf(*dom, iova).first;
    REQUIRE(addr);
    uint64_t* pte = mem.word64(addr);
    *pte = drv.format().with_access(*pte, true);
  }
  // The harvest, and the CPU time it charged.
  HarvestCounts harvest(uint64_t iova, uint64_t len, bool no_clear, std::vector<Rec>& out,
                        Ps& took) {
    out.clear();
    auto rec = [&out](uint64_t at, uint64_t l) { out.push_back({at, l}); };
    const Ps t0 = d.now();
    const HarvestCounts c = run(drv.read_and_clear_dirty(*dom, iova, len, no_clear, rec));
    took = d.now() - t0;
    return c;
  }
  // Cleans every leaf (arm-s1 maps writable leaves writable-dirty), as tracking's enable.
  void clean_all() {
    std::vector<Rec> out;
    Ps took;
    harvest(0, size, false, out, took);
  }
};

// What a step costs: a table visit, a scan per PTE read, a test-and-clear per leaf.
Ps charged(uint64_t steps, uint64_t ptes, uint64_t cleared) {
  const HostCost c;
  return steps * c.table_visit + ptes * c.pte_scan + cleared * c.pte_clear;
}

const char* const kFormats[] = {"vtd-ss", "amd-v1", "arm-s1"};

}  // namespace

TEST_CASE("harvest 2 MiB: a mixed level-2 table, a 1 GiB leaf and 4 MiB leaves, every format") {
  for (const char* format : kFormats) {
    CAPTURE(format);
    MixedRig rig(format);
    const bool amd = std::string(format) == "amd-v1";
    for (uint64_t at : {uint64_t(0), 8 * kMiB, 10 * kMiB + 12288, 14 * kMiB, 20 * kMiB, 1022 * kMiB,
                        kGiB + 5 * kMiB, 2 * kGiB + 6 * kMiB})
      rig.dirty(at);
    std::vector<Rec> got;
    Ps took = 0;
    const uint64_t cleared0 = rig.drv.accounts().cleared_pages;
    const HarvestCounts c = rig.harvest(0, 2 * kGiB + 8 * kMiB, false, got, took);
    const std::vector<Rec> want = {
        {0, 2 * kMiB},
        {8 * kMiB, 2 * kMiB},
        {10 * kMiB + 12288, 4096},
        {14 * kMiB, 2 * kMiB},
        {20 * kMiB, 2 * kMiB},
        {1022 * kMiB, 2 * kMiB},
        {kGiB, kGiB},
        amd ? Rec{2 * kGiB + 4 * kMiB, 4 * kMiB} : Rec{2 * kGiB + 6 * kMiB, 2 * kMiB}};
    CHECK(got == want);
    CHECK(c.dirty == 8);
    // Slots 0-4 | the 4 KiB table (511) | 6-8, ended by the hole at 9 | 10-511 | the
    // 1 GiB leaf | the four entries at 2 GiB (two replicated leaves on amd-v1).
    CHECK(c.tables == 6);
    CHECK(c.ptes == 5 + 511 + 3 + 502 + 1 + 4);
    CHECK(took == charged(6, c.ptes, 8));
    CHECK(rig.drv.accounts().cleared_pages - cleared0 == 5 * 512 + 1 + 262144 + (amd ? 1024 : 512));
    // Cleared: the same harvest again finds nothing and charges no clear.
    CHECK(rig.harvest(0, 2 * kGiB + 8 * kMiB, false, got, took).dirty == 0);
    CHECK(got.empty());
    CHECK(took == charged(6, c.ptes, 0));
  }
}

TEST_CASE("harvest 2 MiB: a range starting and ending inside 2 MiB leaves clips its records") {
  for (const char* format : kFormats) {
    CAPTURE(format);
    MixedRig rig(format);
    for (uint64_t at : {8 * kMiB, 10 * kMiB + 12288, 14 * kMiB, 20 * kMiB, 22 * kMiB})
      rig.dirty(at);
    std::vector<Rec> got;
    Ps took = 0;
    const uint64_t start = 8 * kMiB + 100 * 1024, end = 21 * kMiB;
    const HarvestCounts c = rig.harvest(start, end - start, false, got, took);
    const std::vector<Rec> want = {{start, 10 * kMiB - start},
                                   {10 * kMiB + 12288, 4096},
                                   {14 * kMiB, 2 * kMiB},
                                   {20 * kMiB, kMiB}};
    CHECK(got == want);
    // Slot 4 (part) | the 4 KiB table | 6-8, ended by the hole | slot 10 (part).
    CHECK(c.tables == 4);
    CHECK(c.ptes == 1 + 511 + 3 + 1);
    CHECK(took == charged(4, c.ptes, 4));
    // The leaf past the range kept its D bit; those inside lost theirs.
    got.clear();
    CHECK(rig.harvest(0, 24 * kMiB, true, got, took).dirty == 1);
    CHECK(got == std::vector<Rec>{{22 * kMiB, 2 * kMiB}});
  }
}

TEST_CASE("harvest 2 MiB: no_clear reports the same leaves again and writes nothing") {
  for (const char* format : kFormats) {
    CAPTURE(format);
    MixedRig rig(format);
    for (uint64_t at : {2 * kMiB, 700 * kMiB, 1022 * kMiB}) rig.dirty(at);
    std::vector<Rec> a, b;
    Ps took = 0;
    const uint64_t cleared0 = rig.drv.accounts().cleared_pages;
    const HarvestCounts c = rig.harvest(0, kGiB, true, a, took);
    CHECK(c.dirty == 3);
    CHECK(c.tables == 4);
    CHECK(took == charged(4, c.ptes, 0));
    CHECK(rig.drv.accounts().cleared_pages == cleared0);
    CHECK(rig.harvest(0, kGiB, true, b, took).dirty == 3);
    CHECK(a == b);
    CHECK(a ==
          std::vector<Rec>{{2 * kMiB, 2 * kMiB}, {700 * kMiB, 2 * kMiB}, {1022 * kMiB, 2 * kMiB}});
    CHECK(rig.harvest(0, kGiB, false, b, took).dirty == 3);
    CHECK(rig.harvest(0, kGiB, true, b, took).dirty == 0);
  }
}

TEST_CASE("harvest 2 MiB: each absent level-2 slot is a step of its own") {
  for (const char* format : kFormats) {
    CAPTURE(format);
    MixedRig rig(format);
    std::vector<Rec> got;
    Ps took = 0;
    // [2 GiB, 3 GiB): the four entries at 2 GiB, then 508 absent slots: the first ends
    // the entries' step, each other one is a step.
    const HarvestCounts c = rig.harvest(2 * kGiB, kGiB, false, got, took);
    CHECK(c.ptes == 4);
    CHECK(c.tables == 508);
    CHECK(took == charged(508, 4, 0));
  }
}

TEST_CASE(
    "harvest 2 MiB: from inside an amd-v1 4 MiB leaf, its replicas and the run are one step") {
  MixedRig rig("amd-v1");
  // [3 GiB, 4 GiB): a 4 MiB leaf (slots 0 and 1), then 510 leaves of 2 MiB.
  rig.put(3 * kGiB, 4 * kMiB, 4 * kMiB, true);
  rig.put(3 * kGiB + 4 * kMiB, kGiB - 4 * kMiB, 2 * kMiB, true);
  rig.dirty(3 * kGiB + kMiB);
  rig.dirty(4 * kGiB - 2 * kMiB);
  std::vector<Rec> got;
  Ps took = 0;
  // Both replicas are read (512 PTEs in all) and the first record is clipped.
  const HarvestCounts c = rig.harvest(3 * kGiB + 2 * kMiB, kGiB - 2 * kMiB, false, got, took);
  CHECK(c.ptes == 2 + 510);
  CHECK(c.tables == 1);
  CHECK(took == charged(1, 512, 2));
  CHECK(got == std::vector<Rec>{{3 * kGiB + 2 * kMiB, 2 * kMiB}, {4 * kGiB - 2 * kMiB, 2 * kMiB}});
  // The whole 4 MiB leaf was cleaned, both replicas.
  CHECK(rig.harvest(3 * kGiB, 4 * kMiB, true, got, took).dirty == 0);
  CHECK(c.dirty == 2);
}
