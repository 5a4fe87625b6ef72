// The what-if IOMMU dirty log's ring (iommu/dirty_log_ring.h): entries land in memory
// in order, each a timed write; a full ring drops the append and sets the overflow
// flag until software hands entries back.
#include <doctest/doctest.h>

#include "iommu/dirty_log_ring.h"

using namespace sim;

namespace {
struct RingRig {
  SparseMemory mem{1ull << 24};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  DirtyLogConfig c{4, 0x10000};
  DirtyLogRing ring{c, mem, timing};
  uint64_t word(uint64_t off) const { return mem.read64(c.base + off); }
};
}  // namespace

TEST_CASE("dirty log ring: appends land in order with their size shift, each a timed write") {
  RingRig r;
  CHECK(r.ring.enabled());
  const Ps done = r.ring.append(0x200000, 0x5000000, 21, 1 * kUs);
  CHECK(done > 1 * kUs);
  r.ring.append(0x3000, 0x7000, 12, done);
  CHECK(r.word(DirtyLogConfig::kHead) == 2);
  CHECK(r.mem.read64(r.c.entry_addr(0)) == (0x200000 | 21));
  CHECK(DirtyLogConfig::iova_of(r.mem.read64(r.c.entry_addr(1))) == 0x3000);
  CHECK(DirtyLogConfig::shift_of(r.mem.read64(r.c.entry_addr(1))) == 12);
  CHECK(r.ring.appends() == 2);
  CHECK(r.word(DirtyLogConfig::kOverflow) == 0);
}

TEST_CASE("dirty log ring: a full ring drops, flags overflow and tells, until the tail moves") {
  RingRig r;
  std::vector<uint64_t> dropped;
  r.ring.on_dropped = [&](uint64_t pbase, uint64_t bytes, Ps) {
    dropped.push_back(pbase);
    CHECK(bytes == 4096);
  };
  for (uint64_t i = 0; i < 4; ++i) r.ring.append(i << 12, 0x100000 + (i << 12), 12, 0);
  CHECK(r.word(DirtyLogConfig::kOverflow) == 0);
  CHECK(r.ring.append(0x9000, 0x900000, 12, 5 * kUs) == 5 * kUs);  // untimed: nothing written
  CHECK(r.word(DirtyLogConfig::kOverflow) == 1);
  CHECK(r.ring.overflows() == 1);
  CHECK(dropped == std::vector<uint64_t>{0x900000});
  CHECK(r.word(DirtyLogConfig::kHead) == 4);
  // Software consumes two entries: the next append wraps to slot 0.
  r.mem.write64(r.c.base + DirtyLogConfig::kTail, 2);
  r.ring.append(0xa000, 0xa00000, 12, 0);
  CHECK(r.word(DirtyLogConfig::kHead) == 5);
  CHECK(r.mem.read64(r.c.entry_addr(4)) == (0xa000 | 12));
  CHECK(r.c.entry_addr(4) == r.c.entry_addr(0));
}

TEST_CASE("dirty log ring: entries 0 is off, and counts can go to shared statistics") {
  SparseMemory mem{1ull << 24};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  DirtyLogRing off{DirtyLogConfig{}, mem, timing};
  CHECK_FALSE(off.enabled());
  DirtyLogRing on{DirtyLogConfig{2, 0x20000}, mem, timing};
  uint64_t a = 0, o = 0;
  on.count_into(a, o);
  for (int i = 0; i < 3; ++i) on.append(0x1000, 0x1000, 12, 0);
  CHECK(a == 2);
  CHECK(o == 1);
}
