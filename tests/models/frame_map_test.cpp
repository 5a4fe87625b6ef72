#include <doctest/doctest.h>

#include <map>

#include "models/base/frame_map.h"
#include "models/base/rng.h"

using namespace sim;

TEST_CASE("frame map: the same records as a std::map through inserts and erases") {
  Rng rng(3, "frame-map");
  FrameMap<uint64_t> m;
  std::map<uint64_t, uint64_t> ref;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t f = rng.below(4096);  // few keys: long probe runs, many erases
    if (rng.below(3) == 0) {
      m.erase(f);
      ref.erase(f);
    } else {
      m.get(f) += i;
      ref[f] += i;
    }
    if (i % 1000 == 0)
      for (uint64_t k = 0; k < 4096; ++k) {
        const uint64_t* v = m.find(k);
        auto it = ref.find(k);
        REQUIRE((v != nullptr) == (it != ref.end()));
        if (v) REQUIRE(*v == it->second);
      }
  }
  CHECK(m.size() == ref.size());
}
