#include <doctest/doctest.h>

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
