// The oracle's unmap hazards: which unmap explains a lost page, and when none does.
#include <doctest/doctest.h>

#include "platform/oracle.h"

using namespace sim;

namespace {

int64_t stat(StatsRegistry& s, const char* n) {
  return std::get<int64_t>(*s.get(n));
}

std::string only_loss(StatsRegistry& s, Oracle& o) {
  o.final_harvest(1000);
  o.migration_done(2000);
  REQUIRE(o.losses().size() == 1);
  const std::string hazard = o.losses()[0].hazard;
  CHECK(stat(s, "migration.unexplained_losses") == (hazard == "unexplained" ? 1 : 0));
  return hazard;
}

}  // namespace

TEST_CASE("oracle unmap: a plain unmap after the last write explains its loss") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x1000, 0);
  o.dma_write(0x1000, 64, 10);
  o.unmapped(0x1000, 20, 25, UnmapKind::Plain);
  CHECK(only_loss(s, o) == "write before a plain unmap discarded its D bit");
}

TEST_CASE("oracle unmap: NO_CLEAR then unmap explains a write between the two, not before") {
  {
    StatsRegistry s;
    Oracle o(s);
    o.copied(0x1000, 0);
    o.dma_write(0x1000, 64, 22);  // after the read at 20, before the unmap ended at 25
    o.unmapped(0x1000, 20, 25, UnmapKind::NoClearThenUnmap);
    CHECK(only_loss(s, o) == "write after the NO_CLEAR read and before the unmap");
  }
  {
    // Written before the read: the read reported it, so a loss is someone else's bug.
    StatsRegistry s;
    Oracle o(s);
    o.copied(0x1000, 0);
    o.dma_write(0x1000, 64, 10);
    o.unmapped(0x1000, 20, 25, UnmapKind::NoClearThenUnmap);
    CHECK(only_loss(s, o) == "unexplained");
  }
}

TEST_CASE(
    "oracle unmap: a write after the remap is not the unmap's, and the first unmap after "
    "the last write is kept") {
  {
    StatsRegistry s;
    Oracle o(s);
    o.copied(0x1000, 0);
    o.dma_write(0x1000, 64, 10);
    o.unmapped(0x1000, 20, 25, UnmapKind::Plain);
    o.dma_write(0x1000, 64, 30);  // through the new mapping: D set there
    CHECK(only_loss(s, o) == "unexplained");
  }
  {
    StatsRegistry s;
    Oracle o(s);
    o.copied(0x1000, 0);
    o.dma_write(0x1000, 64, 22);
    o.unmapped(0x1000, 20, 25, UnmapKind::NoClearThenUnmap);
    o.unmapped(0x1000, 40, 45, UnmapKind::NoClearThenUnmap);  // nothing written since
    CHECK(only_loss(s, o) == "write after the NO_CLEAR read and before the unmap");
  }
}

TEST_CASE("oracle unmap: a page copied after the unmap is not lost, and the mark goes") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x1000, 0);
  o.dma_write(0x1000, 64, 10);
  o.unmapped(0x1000, 20, 25, UnmapKind::Plain);
  o.copied(0x1000, 30);  // reported by some other means
  o.dma_write(0x1000, 64, 40);
  // A later loss is not blamed on the old unmap.
  CHECK(only_loss(s, o) == "unexplained");
}

TEST_CASE("oracle unmap: an atomic unmap explains nothing, and a clean page needs no mark") {
  StatsRegistry s;
  Oracle o(s);
  o.copied(0x1000, 0);
  o.copied(0x2000, 0);
  o.dma_write(0x1000, 64, 10);
  o.unmapped(0x1000, 20, 25, UnmapKind::Atomic);
  o.unmapped(0x2000, 20, 25, UnmapKind::Plain);  // not written since its copy
  CHECK(only_loss(s, o) == "unexplained");
}
