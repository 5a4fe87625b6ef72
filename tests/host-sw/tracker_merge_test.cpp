// tracker: device's range merging, after QEMU's vfio_combine_iova_ranges: the closest
// neighbours merge first, gaps included, until the device's maximum fits.
#include <doctest/doctest.h>

#include "host-sw/vmm/tracker.h"

using namespace sim;

TEST_CASE("ranges merge closest neighbours first until they fit") {
  const std::vector<Range> r = {
      {0, 0x1000}, {0x10000, 0x1000}, {0x12000, 0x1000}, {0x100000, 0x1000}};
  CHECK(merge_ranges_to_fit(r, 4).size() == 4);
  std::vector<Range> three = merge_ranges_to_fit(r, 3);
  REQUIRE(three.size() == 3);
  CHECK(three[1].start == 0x10000);  // the 4 KiB gap went first
  CHECK(three[1].length == 0x3000);
  std::vector<Range> two = merge_ranges_to_fit(r, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].start == 0);  // then the 60 KiB gap, not the ~1 MiB one
  CHECK(two[0].end() == 0x13000);
  std::vector<Range> one = merge_ranges_to_fit(r, 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].start == 0);
  CHECK(one[0].end() == 0x101000);  // everything between is tracked too
  CHECK(merge_ranges_to_fit({}, 1).empty());
}
