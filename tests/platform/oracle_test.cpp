#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>
#include "models/base/rng.h"
#include "platform/oracle.h"

using namespace sim;

namespace {
int64_t stat(StatsRegistry& s, const char* n) {
  return std::get<int64_t>(*s.get(n));
}
}  // namespace

TEST_CASE("oracle: a page copied after its last write is not lost") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x1000, 0);
  o.dma_write(0x1000, 64, 10);
  o.copied(0x1000, 20);  // re-reported and sent again
  o.final_harvest(30);
  o.migration_done(40);
  CHECK(stat(s, "migration.lost_pages") == 0);
}

TEST_CASE(
    "oracle: a write between the clear and the flush, never re-reported, is a stale-hit loss") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x2000, 0);
  o.dma_write(0x2000, 64, 10);
  o.stale_dirty_hit(0x2000, 10);  // the IOMMU let it skip D: no harvest reports it
  o.final_harvest(30);
  o.migration_done(40);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].pa == 0x2000);
  CHECK(o.losses()[0].write_at == 10);
  CHECK(o.losses()[0].hazard == "stale dirty hit");
  CHECK(stat(s, "migration.unexplained_losses") == 0);
}

TEST_CASE("oracle: writes after the final harvest are lost and counted, before it, not") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x3000, 0);
  o.copied(0x4000, 0);
  o.dma_write(0x4000, 64, 5);  // harvested in the final round and copied again
  o.final_harvest(30);
  o.copied(0x4000, 35);
  o.dma_write(0x3000, 4096, 36);  // devices not stopped
  o.migration_done(40);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].hazard == "write after the final harvest");
  CHECK(stat(s, "migration.post_final_writes") == 1);
}

TEST_CASE("oracle: generations live on physical pages, so aliases are one page") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x5000, 0);
  o.dma_write(0x5800, 8, 1);  // through one IOVA
  o.dma_write(0x5010, 8, 2);  // through another mapping of the same page
  o.copied(0x5000, 3);
  o.final_harvest(4);
  o.migration_done(5);
  CHECK(stat(s, "migration.lost_pages") == 0);
}

TEST_CASE("oracle: a write spanning pages bumps each, pages never copied are not judged") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x6000, 0);
  o.dma_write(0x6f00, 0x200, 1);  // 0x6f00..0x70ff
  o.final_harvest(2);
  o.migration_done(3);
  REQUIRE(o.losses().size() == 1);  // 0x7000 was never part of the migration
  CHECK(o.losses()[0].pa == 0x6000);
  CHECK(o.losses()[0].hazard == "unexplained");
  CHECK(stat(s, "migration.unexplained_losses") == 1);
}

TEST_CASE("oracle: a copy before a write is visible misses it, after, it does not") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x8000, 0);
  o.copied(0x9000, 0);
  o.dma_write(0x8000, 64, 50, 10);  // reached memory at 10, visible at 50
  o.dma_write(0x9000, 64, 50, 10);
  o.copied(0x8000, 40);  // too early
  o.copied(0x9000, 60);
  o.final_harvest(70);
  o.migration_done(80);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].pa == 0x8000);
  CHECK(o.losses()[0].write_at == 50);
  CHECK(o.losses()[0].hazard == "write not yet visible at its copy");
}

TEST_CASE("oracle: a write reaching memory after the final harvest started is that hazard") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0xa000, 0);
  o.final_harvest(30);
  o.dma_write(0xa000, 64, 45, 35);
  o.copied(0xa000, 40);  // the final copy ran while it was in flight
  o.migration_done(50);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].hazard == "write after the final harvest");
  CHECK(stat(s, "migration.post_final_writes") == 1);
}

TEST_CASE("oracle: a write landing while its page is being copied needs another copy") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0xb000, 0);
  o.copied(0xb000, 10);         // the copy of this chunk read the page at 10...
  o.dma_write(0xb000, 64, 12);  // ...and the write landed while the chunk was sent
  o.copied(0xc000, 14);         // the chunk's other pages are later, not this one
  o.final_harvest(20);
  o.migration_done(30);
  REQUIRE(o.losses().size() == 1);  // no harvest reported it again: lost
  CHECK(o.losses()[0].pa == 0xb000);
}

namespace {
// The oracle as first written: a generation and a copy snapshot per page, in-flight
// writes as a list. The flat oracle must give the same losses, hazards and counts.
struct ReferenceOracle {
  struct Page {
    uint64_t gen = 0, copied_gen = 0;
    Ps last_write = 0, last_issue = 0, last_stale = 0;
    bool stale = false, stale_atc = false, missed = false;
    std::vector<Ps> in_flight;
  };
  std::map<uint64_t, Page> pages;
  bool final_started = false;
  Ps final_at = 0;
  uint64_t post_final = 0;
  void write(uint64_t pa, uint64_t len, Ps visible, Ps now) {
    if (pages.empty()) return;
    for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096) {
      auto it = pages.find(p);
      if (it == pages.end()) continue;
      Page& pg = it->second;
      ++pg.gen;
      pg.last_write = visible;
      pg.last_issue = now;
      std::erase_if(pg.in_flight, [now](Ps v) { return v <= now; });
      if (visible > now) pg.in_flight.push_back(visible);
      if (final_started) ++post_final;
    }
  }
  void copied(uint64_t pa, Ps at) {
    Page& pg = pages[pa];
    std::erase_if(pg.in_flight, [at](Ps v) { return v <= at; });
    pg.copied_gen = pg.gen - pg.in_flight.size();
    pg.missed = !pg.in_flight.empty();
  }
  std::vector<Oracle::Loss> done() const {
    std::vector<Oracle::Loss> out;
    for (const auto& [pa, pg] : pages) {
      if (pg.gen == pg.copied_gen) continue;
      std::string h = pg.last_issue >= final_at && final_started ? "write after the final harvest"
                      : pg.missed                     ? "write not yet visible at its copy"
                      : pg.stale && pg.last_stale > 0 ? "stale dirty hit"
                      : pg.stale_atc                  ? "skipped device-TLB invalidation"
                                                      : "unexplained";
      out.push_back({pa, pg.last_write, h});
    }
    return out;
  }
};
}  // namespace

TEST_CASE("oracle: the same losses and hazards as per-page generations, over random histories") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Rng rng(seed, "oracle-reference");
    StatsRegistry s;
    Oracle o(s);
    ReferenceOracle ref;
    Ps now = 0;
    // The last seeds write three pages: most writes follow one to the same page (the
    // oracle's memo), with copies and hazard marks between them.
    const uint64_t pages = seed <= 40 ? 64 : 3;
    for (int i = 0; i < 3000; ++i) {
      now += rng.below(3);
      const uint64_t pa = rng.below(pages) * 4096;
      switch (rng.below(10)) {
        case 0:
        case 1:
        case 2:
          o.copied(pa, now);
          ref.copied(pa, now);
          break;
        case 3:  // on a page not yet copied: ignored by both
          o.stale_dirty_hit(pa + 8, now);
          if (auto it = ref.pages.find(pa); it != ref.pages.end()) {
            it->second.stale = true;
            it->second.last_stale = now;
          }
          break;
        case 4:
          o.stale_atc_write(pa, now);
          if (auto it = ref.pages.find(pa); it != ref.pages.end()) it->second.stale_atc = true;
          break;
        case 5:
          if (i > 2500 && !ref.final_started) {
            o.final_harvest(now);
            ref.final_started = true;
            ref.final_at = now;
          }
          break;
        default: {
          const uint64_t at = pa + rng.below(4096), len = 1 + rng.below(6000);
          const Ps visible = now + (rng.below(2) ? rng.below(8) : 0);
          o.dma_write(at, len, visible, now);
          ref.write(at, len, visible, now);
        }
      }
    }
    o.migration_done(now);
    const std::vector<Oracle::Loss> want = ref.done();
    REQUIRE(o.losses().size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(o.losses()[i].pa == want[i].pa);
      CHECK(o.losses()[i].write_at == want[i].write_at);
      CHECK(o.losses()[i].hazard == want[i].hazard);
    }
    CHECK(stat(s, "migration.post_final_writes") == int64_t(ref.post_final));
  }
}

TEST_CASE("oracle: an in-kernel access's CPU write no tracker reported is lost, and named") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x5000, 0);
  o.copied(0x7000, 0);
  o.access_write(0x5ffc, 8, 10);  // across two pages; 0x6000 was never sent: not judged
  o.copied(0x7000, 20);           // nothing written there: still clean
  o.final_harvest(30);
  o.migration_done(40);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].pa == 0x5000);
  CHECK(o.losses()[0].hazard == "CPU write by an in-kernel access (no tracker sees it)");
  CHECK(stat(s, "migration.unexplained_losses") == 0);
}

TEST_CASE("oracle: hazard marks that grow the note table leave a page's next write counted") {
  StatsRegistry s;
  Oracle o(s);
  for (uint64_t p = 0; p <= 40; ++p) o.copied(p * 4096, 0);
  o.dma_write(0x1000, 64, 10);  // page 1's note, remembered for its next write
  for (uint64_t p = 10; p < 40; ++p) o.stale_atc_write(p * 4096, 20);  // the table grows
  o.dma_write(0x1040, 64, 100);  // visible after the copy below: page 1 must be lost
  o.copied(0x1000, 50);
  o.final_harvest(150);
  o.migration_done(200);
  REQUIRE(o.losses().size() == 1);
  CHECK(o.losses()[0].pa == 0x1000);
  CHECK(o.losses()[0].write_at == 100);
  CHECK(o.losses()[0].hazard == "write not yet visible at its copy");
}
