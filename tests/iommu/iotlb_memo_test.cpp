// The IOTLB's memos of recent hits must never change an answer: a randomized run of
// fills, lookups and invalidations against the same IOTLB searched afresh each time.
#include <doctest/doctest.h>

#include "iommu/iotlb.h"
#include "models/base/rng.h"

using namespace sim;

namespace {

// What a lookup answered, compared field by field (the entries live in two IOTLBs).
struct Answer {
  bool hit;
  uint64_t vbase, pbase, stamp;
  uint8_t size_shift, stage;
  bool operator==(const Answer&) const = default;
};
Answer answer(const IotlbEntry* e) {
  if (!e) return {false, 0, 0, 0, 0, 0};
  return {true, e->vbase, e->pbase, e->stamp, e->size_shift, e->stage};
}

void run(bool lru, uint64_t seed) {
  // Small and crowded: evictions, refills in place, two page sizes, two domains,
  // second-stage entries (any PASID) beside first-stage and nested ones.
  Iotlb memo(16, 4, lru), plain(16, 4, lru);
  Rng r(seed, "iotlb-memos");
  for (int step = 0; step < 20000; ++step) {
    const uint16_t did = uint16_t(1 + r.below(2));
    const uint32_t pasid = r.below(2) ? 5 : 6;
    const uint64_t iova = r.below(r.below(4) ? 8 : 64) << 12;  // recent pages often
    const unsigned op = unsigned(r.below(10));
    if (op < 2) {
      IotlbEntry e;
      e.did = did;
      e.pasid = pasid;
      e.stage = uint8_t(r.below(3) + 1);  // 1, 2 or nested
      e.s2_did = e.stage == kStageNested ? uint16_t(1 + r.below(2)) : 0;
      e.size_shift = r.below(8) ? 12 : 21;
      e.vbase = iova & ~((1ull << e.size_shift) - 1);
      e.pbase = r.next() << 12;
      e.stamp = 0;
      CHECK(answer(memo.fill(e)) == answer(plain.fill(e)));
    } else if (op < 9) {
      plain.forget_memos();  // a fresh search
      const bool nested = r.below(4) == 0;
      const uint16_t s2 = uint16_t(1 + r.below(2));
      const IotlbEntry* a =
          nested ? memo.lookup_nested(did, pasid, s2, iova) : memo.lookup(did, pasid, iova);
      const IotlbEntry* b =
          nested ? plain.lookup_nested(did, pasid, s2, iova) : plain.lookup(did, pasid, iova);
      REQUIRE(answer(a) == answer(b));
    } else {
      // Every kind of invalidation, ranges most often: each must forget what it kills.
      const uint64_t n = 1 + r.below(8);
      const uint16_t s2 = uint16_t(1 + r.below(2));
      switch (r.below(8)) {
        case 0:
          CHECK(memo.invalidate_domain(did) == plain.invalidate_domain(did));
          break;
        case 1:
          CHECK(memo.invalidate_all() == plain.invalidate_all());
          break;
        case 2:
          CHECK(memo.invalidate_stage1(did, pasid, false, iova, n << 12) ==
                plain.invalidate_stage1(did, pasid, false, iova, n << 12));
          break;
        case 3:
          CHECK(memo.invalidate_built_on(s2) == plain.invalidate_built_on(s2));
          break;
        default:
          CHECK(memo.invalidate_range(did, iova, n << 12) ==
                plain.invalidate_range(did, iova, n << 12));
      }
    }
  }
  CHECK(memo.occupancy() == plain.occupancy());
}

}  // namespace

TEST_CASE("IOTLB: memos answer every lookup as a fresh search does (LRU and FIFO)") {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    run(true, seed);
    run(false, seed);
  }
}

TEST_CASE("IOTLB: a hit remembered, then invalidated, is a miss") {
  Iotlb t(16, 4, true);
  IotlbEntry e;
  e.did = 1;
  e.vbase = 0x1000;
  t.fill(e);
  REQUIRE(t.lookup(1, 0, 0x1000));  // searched, then remembered
  REQUIRE(t.lookup(1, 0, 0x1000));  // from the memo
  CHECK(t.invalidate_range(1, 0x1000, 0x1000) == 1);
  CHECK_FALSE(t.lookup(1, 0, 0x1000));
  t.fill(e);
  REQUIRE(t.lookup(1, 0, 0x1000));
  CHECK(t.invalidate_domain(1) == 1);
  CHECK_FALSE(t.lookup(1, 0, 0x1000));
}
