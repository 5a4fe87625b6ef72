#include <doctest/doctest.h>

#include <set>

#include "host-sw/vmm/page_set.h"
#include "models/base/rng.h"

using namespace sim;

TEST_CASE("page set: pages by frame, new ones counted, read back in address order") {
  PageSet s;
  CHECK(s.insert(0x5000));
  CHECK_FALSE(s.insert(0x5fff));  // the same 4 KiB page
  CHECK(s.insert(0x1000));
  CHECK(s.insert(0x4'0000'0000));  // 16 GiB up: the bitmap grows
  CHECK(s.size() == 3);
  CHECK(s.pages() == std::vector<uint64_t>{0x1000, 0x5000, 0x4'0000'0000});
  s.clear();
  CHECK(s.empty());
  CHECK(s.pages().empty());
  CHECK(s.insert(0x5000));  // cleared: new again
}

TEST_CASE("page set: the same pages, in the same order, as an ordered tree set") {
  Rng rng(7, "page-set");
  PageSet s;
  std::set<uint64_t> ref;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const uint64_t pa = rng.below(1ull << 34);
      CHECK(s.insert(pa) == ref.insert(pa & ~0xfffull).second);
    }
    CHECK(s.size() == ref.size());
    CHECK(s.pages() == std::vector<uint64_t>(ref.begin(), ref.end()));
    s.clear();
    ref.clear();
  }
}

TEST_CASE("page set: next walks the pages in order from any address") {
  PageSet s;
  CHECK(s.next(0) == PageSet::kEnd);
  s.insert(0x3000);
  s.insert(0x41000);
  s.insert(0x100'0000'0000);  // 1 TiB up
  CHECK(s.next(0) == 0x3000);
  CHECK(s.next(0x3000) == 0x3000);
  CHECK(s.next(0x3fff) == 0x3000);  // the page holding it
  CHECK(s.next(0x4000) == 0x41000);
  CHECK(s.next(0x42000) == 0x100'0000'0000);
  CHECK(s.next(0x100'0000'1000) == PageSet::kEnd);
  CHECK(s.contains(0x41fff));
  CHECK_FALSE(s.contains(0x42000));
}
