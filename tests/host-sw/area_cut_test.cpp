// Rules on the io_pagetable directly: area splitting for VFIO type1 v1
// (iopt_cut_iova), reserved ranges of several owners, and removing domains.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- area splitting (VFIO type1 v1), on an io_pagetable directly ----

TEST_CASE("cut: type1 v1 unmaps any page-aligned sub-range, pins unchanged until unmapped") {
  IoptRig t;
  REQUIRE(t.iopt.set_huge_pages(0) == Errno::Ok);
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 16);
  uint64_t n = 0;
  CHECK(t.unmap1(0x104000, 0x2000, n) == Errno::Ok);  // the middle: three areas, one goes
  CHECK(n == 0x2000);
  CHECK(t.iopt.areas().size() == 2);
  CHECK(t.ledger.pinned_pages() == 14);
  CHECK(t.drv.find_leaf(*d, 0x104000).first == 0);  // unmapped in the domain
  CHECK(t.drv.find_leaf(*d, 0x106000).first != 0);
  // The plain IOAS unmap still refuses a partial area.
  CHECK(t.run(t.iopt.unmap(t.drv, 0x100000, 0x1000, n)) == Errno::Enoent);
  CHECK(t.unmap1(0x100000, 0x1000, n) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 13);
  CHECK(t.unmap1(0, UINT64_MAX, n) == Errno::Ok);  // unmap-all: nothing to cut
  CHECK(t.ledger.pinned_pages() == 0);
}

TEST_CASE("cut: points on an area's first or last IOVA do nothing (kernel), large IOPTEs EINVAL") {
  IoptRig t;
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);  // lazy, alignment 1
  CHECK(t.iopt.cut_iova({0x100000, 0x10ffff, 0x200000}) == Errno::Ok);
  CHECK(t.iopt.areas().size() == 1);
  // QUIRK: cutting at the first IOVA is a no-op, so a one-byte head cannot be split off.
  CHECK(t.iopt.cut_iova({0x100800}) == Errno::Ok);  // lazy: any byte
  CHECK(t.iopt.areas().size() == 2);
  CHECK(t.iopt.areas().at(0x100801).user_va == t.va + 0x801);
  IoptRig h;  // a domain with large pages on: refused
  Domain* d = h.drv.domain_alloc();
  REQUIRE(h.run(h.iopt.add_domain(h.drv, h.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(h.map(0x200000, 0, 2 << 20) == Errno::Ok);
  CHECK(h.iopt.cut_iova({0x300fff}) == Errno::Einval);
  uint64_t n = 0;
  CHECK(h.unmap1(0x201000, 0x1000, n) == Errno::Enoent);  // no cut without v1 mode
}

TEST_CASE("cut: with huge pages off the cut must be page-aligned (EINVAL), earlier cuts stay") {
  IoptRig t;
  REQUIRE(t.iopt.set_huge_pages(0) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.iopt.cut_iova({0x103fff, 0x1047ff}) == Errno::Einval);
  CHECK(t.iopt.areas().size() == 2);  // the first cut happened
  uint64_t n = 0;
  CHECK(t.unmap1(0x104000, 0x800, n) == Errno::Einval);
}

TEST_CASE("reserved: ranges of several owners may overlap, removing one owner keeps the other's") {
  IoptRig t;
  CHECK(t.iopt.reserve(0xfee00000, 0xfeefffff, "device a") == Errno::Ok);
  CHECK(t.iopt.reserve(0xfe000000, 0xfeefffff, "device b") == Errno::Ok);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, 0xfdffffff}, {0xfef00000, UINT64_MAX}});
  t.iopt.unreserve("device b");
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, 0xfedfffff}, {0xfef00000, UINT64_MAX}});
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  CHECK(t.iopt.reserve(0x10ffff, 0x10ffff, "device c") == Errno::Eaddrinuse);
  REQUIRE(t.iopt.allow_iovas({{0x200000, 0x2fffff}}) == Errno::Ok);
  CHECK(t.iopt.reserve(0x2fffff, 0x300000, "device c") == Errno::Eaddrinuse);
  CHECK(t.iopt.reserve(0x300000, 0x300000, "device c") == Errno::Ok);
}

TEST_CASE("remove_domain: the last domain unpins, its aperture goes, the alignment shrinks") {
  IoptRig t;
  Domain* d1 = t.drv.domain_alloc();
  Domain* d2 = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d1, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d2, (1ull << 39) - 1)) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 16);  // the second domain pins nothing more
  CHECK(t.drv.find_leaf(*d2, 0x100000).first != 0);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, (1ull << 39) - 1}});
  auto removed = [](IommuDriver& drv, IoPagetable& iopt, Domain* d) -> Task<Errno> {
    co_await iopt.remove_domain(drv, d);
    co_return Errno::Ok;
  };
  t.run(removed(t.drv, t.iopt, d2));
  CHECK(t.ledger.pinned_pages() == 16);
  CHECK(t.drv.find_leaf(*d2, 0x100000).first == 0);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, (1ull << 48) - 1}});
  t.run(removed(t.drv, t.iopt, d1));
  CHECK(t.ledger.pinned_pages() == 0);
  CHECK(t.iopt.alignment() == 1);
  CHECK(t.iopt.iova_ranges() == std::vector<IovaRange>{{0, UINT64_MAX}});
}
