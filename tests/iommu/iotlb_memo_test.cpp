// The IOTLB's memos of recent hits must never change an answer: a randomized run of
// fills, lookups and invalidations against the same IOTLB searched afresh each time.
#include <doctest/doctest.h>

#include "iommu/iotlb.h"
#include "models/base/rng.h"

using namespace sim;

namespace {

constexpr uint16_t kUnusedDid = 999;

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
    const uint64_t iova = r.below(64) << 12;
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
      plain.invalidate_domain(kUnusedDid);  // kills nothing, forgets every memo
      const bool nested = r.below(4) == 0;
      const uint16_t s2 = uint16_t(1 + r.below(2));
      const IotlbEntry* a =
          nested ? memo.lookup_nested(did, pasid, s2, iova) : memo.lookup(did, pasid, iova);
      const IotlbEntry* b =
          nested ? plain.lookup_nested(did, pasid, s2, iova) : plain.lookup(did, pasid, iova);
      REQUIRE(answer(a) == answer(b));
    } else {
      const uint64_t n = 1 + r.below(8);
      CHECK(memo.invalidate_range(did, iova, n << 12) ==
            plain.invalidate_range(did, iova, n << 12));
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
