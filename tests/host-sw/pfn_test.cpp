// iopt_pages, pfn_batch and pfn_reader (as Linux iommufd has them) on their own and
// over the real driver: interval pins, batches and their splits, the tiers in order,
// short pins, EFAULT unwinding, and the largest leaf the backing allows.
#include <doctest/doctest.h>

#include "host-sw/iommufd/iopt_pages.h"
#include "host-sw/iommufd/pfn_batch.h"
#include "host-sw/iommufd/pfn_reader.h"
#include "host-sw/kernel/interval_counts.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- interval counts: what holds each page, as segments ----

TEST_CASE("interval counts: add reports the ranges that were free, remove the ranges freed") {
  IntervalCounts c;
  CHECK(c.add(10, 19) == std::vector<IndexRange>{{10, 19}});
  CHECK(c.add(15, 24) == std::vector<IndexRange>{{20, 24}});
  CHECK(c.count(15) == 2);
  CHECK(c.covered(0, 100) == 15);
  CHECK(c.remove(10, 19) == std::vector<IndexRange>{{10, 14}});
  CHECK(c.ranges(0, 30, false) == std::vector<IndexRange>{{15, 24}});
  CHECK_THROWS(c.remove(10, 10));  // below 0 is a bookkeeping bug
  CHECK(c.remove(15, 24) == std::vector<IndexRange>{{15, 24}});
  CHECK(c.empty());
}

TEST_CASE("interval counts: a 1 TiB guest at 4 KiB costs a few segments, not a page each") {
  IntervalCounts c;
  const uint64_t pages = (1ull << 40) / 4096;
  c.add(0, pages - 1);
  c.add(pages / 2, pages / 2 + 7);
  CHECK(c.segments() <= 4);
  CHECK(c.covered(0, pages - 1) == pages);
}

// ---- pfn_batch ----

TEST_CASE("pfn batch: contiguous PFNs extend a run, a full batch takes no new run") {
  PfnBatch b(2);
  CHECK(b.add(100, 3) == 3);
  CHECK(b.add(103, 2) == 2);  // extends the run
  CHECK(b.runs().size() == 1);
  CHECK(b.add(200, 1) == 1);
  CHECK(b.full());
  CHECK(b.add(300, 5) == 0);  // no room for a third run
  CHECK(b.add(201, 4) == 4);  // but the last run still grows
  CHECK(b.total() == 10);
  CHECK(b.pfn_at(5) == 200);
  CHECK(b.pfn_at(9) == 204);
  CHECK_THROWS(b.pfn_at(10));
  b.clear();
  CHECK((b.empty() && b.total() == 0 && !b.full()));
}

// ---- pfn_reader over the real VMM memory, driver and page tables ----

namespace {
// The PFNs the reader hands over for [first, last], batch by batch.
std::vector<uint64_t> read_all(PfnReader& rd, size_t* batches = nullptr) {
  std::vector<uint64_t> out;
  while (!rd.done()) {
    REQUIRE(rd.next() == Errno::Ok);
    for (uint64_t i = 0; i < rd.batch().total(); ++i) out.push_back(rd.batch().pfn_at(i));
    if (batches) ++*batches;
  }
  return out;
}
}  // namespace

TEST_CASE("pfn reader: holes are pinned from user memory, in chunks (a pin may return fewer)") {
  IoptRig t;
  IoptPages p(1, t.va, 8 << 20, true, AccountMode::User);
  const uint64_t first = t.va / 4096, last = first + 1023;
  PfnReader rd(p, t.vmm, t.drv, t.rig.mem, first, last);
  std::vector<uint64_t> pfns = read_all(rd);
  REQUIRE(pfns.size() == 1024);
  for (uint64_t i = 0; i < 1024; i += 97) CHECK(pfns[i] == *t.vmm.pa(t.va + i * 4096) / 4096);
  CHECK(rd.pin_calls() == 2);  // 512 pages per pin call
  CHECK(rd.pinned() == 1024);
  CHECK(p.npinned() == 1024);
  CHECK(rd.release() == 1024);  // nobody else holds them: unpinned
  CHECK(p.npinned() == 0);
}

TEST_CASE("pfn reader: a tiny batch splits the range, every PFN still comes out once in order") {
  IoptRig t;
  IoptPages p(1, t.va, 1 << 20, true, AccountMode::User);
  const uint64_t first = t.va / 4096;
  PfnReader big(p, t.vmm, t.drv, t.rig.mem, first, first + 255);
  const std::vector<uint64_t> want = read_all(big);
  size_t batches = 0;
  PfnReader tiny(p, t.vmm, t.drv, t.rig.mem, first, first + 255, 1);
  CHECK(read_all(tiny, &batches) == want);
  CHECK(batches == 256);      // 4 KiB backing is scattered: one run per page
  CHECK(p.npinned() == 256);  // both readers hold them, pinned once
  big.release();
  CHECK(p.npinned() == 256);
  tiny.release();
  CHECK(p.npinned() == 0);
}

TEST_CASE("pfn reader: EFAULT past the end of the VMM mapping, and release unpins what it pinned") {
  IoptRig t;
  IoptPages p(1, t.va, 32 << 20, true, AccountMode::User);  // the mapping is 16 MiB
  const uint64_t first = t.va / 4096 + 4096 - 4;
  PfnReader rd(p, t.vmm, t.drv, t.rig.mem, first, first + 7);
  CHECK(rd.next() == Errno::Efault);
  CHECK(rd.pinned() == 4);
  CHECK(p.npinned() == 4);
  CHECK(rd.release() == 4);
  CHECK(p.npinned() == 0);
}

TEST_CASE("pfn reader: a writable pages object over read-only memory is EFAULT at once") {
  IoptRig t;
  uint64_t ro = 0;
  REQUIRE(t.vmm.mmap("ro", 1 << 20, 4096, true, ro) == Errno::Ok);
  IoptPages w(1, ro, 1 << 20, true, AccountMode::User), r(2, ro, 1 << 20, false, AccountMode::User);
  PfnReader rw(w, t.vmm, t.drv, t.rig.mem, ro / 4096, ro / 4096 + 3);
  CHECK(rw.next() == Errno::Efault);
  CHECK(w.npinned() == 0);
  PfnReader rr(r, t.vmm, t.drv, t.rig.mem, ro / 4096, ro / 4096 + 3);
  CHECK(read_all(rr).size() == 4);
}

TEST_CASE("pfn reader: tiers in order (pinned_pfns, then a domain's page table, then user pin)") {
  IoptRig t;
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0, 64 << 10) == Errno::Ok);  // pinned and stored in d
  IoptPages& p = *t.iopt.areas().begin()->second.pages;
  const uint64_t first = t.va / 4096;
  uint64_t span = 0;
  CHECK(p.tier(first, first + 15, span) == PfnTier::Domain);
  CHECK(span == first + 15);
  // An access on pages 4..7: those move to the pinned_pfns tier, nothing new is pinned.
  std::vector<AccessPiece> pieces;
  uint64_t pinned = 0;
  REQUIRE(t.iopt.access_pin(t.drv, t.vmm, 0x104000, 0x4000, true, pieces, pinned) == Errno::Ok);
  CHECK(pinned == 0);  // read back from the domain
  CHECK(p.npinned() == 16);
  CHECK(p.tier(first, first + 15, span) == PfnTier::Domain);
  CHECK(span == first + 3);
  CHECK(p.tier(first + 4, first + 15, span) == PfnTier::Access);
  CHECK(span == first + 7);
  CHECK(p.access_pfn(first + 5).first == *t.vmm.pa(t.va + 5 * 4096) / 4096);
  // Beyond the area: user memory.
  CHECK(p.tier(first + 16, first + 20, span) == PfnTier::User);
  // The domain goes: the access keeps its pages pinned, the rest are unpinned.
  t.run([&]() -> Task<Errno> {
    co_await t.iopt.remove_domain(t.drv, d);
    co_return Errno::Ok;
  }());
  CHECK(p.npinned() == 4);
  CHECK(t.ledger.pinned_pages() == 4);
  CHECK(p.tier(first, first + 15, span) == PfnTier::User);
  CHECK(t.iopt.access_unpin(pieces) == 4);
  CHECK(t.ledger.pinned_pages() == 0);
}

TEST_CASE(
    "pfn reader: a second domain is filled from the first one's page table, pinning nothing") {
  IoptRig t;
  Domain* d1 = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d1, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x200000, 0, 2 << 20) == Errno::Ok);
  // The VMM unmaps the memory: only the domain can still say where the pages are.
  REQUIRE(t.vmm.munmap("g") == Errno::Ok);
  Domain* d2 = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d2, (1ull << 48) - 1)) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 512);
  for (uint64_t iova = 0x200000; iova < 0x400000; iova += 0x3000) {
    auto [a1, l1] = t.drv.find_leaf(*d1, iova);
    auto [a2, l2] = t.drv.find_leaf(*d2, iova);
    REQUIRE((a1 && a2));
    CHECK(t.drv.format().decode(t.rig.mem.read64(a1), l1).addr ==
          t.drv.format().decode(t.rig.mem.read64(a2), l2).addr);
  }
}

TEST_CASE("pfn reader: tiny batches still map every page right, and unmap unpins all") {
  IoptRig t;
  t.iopt.set_batch_runs(3);
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(t.map(0x100000, 0x5000, 1 << 20) == Errno::Ok);
  for (uint64_t off = 0; off < (1 << 20); off += 0x1000) {
    auto [addr, level] = t.drv.find_leaf(*d, 0x100000 + off);
    REQUIRE(addr);
    CHECK(t.drv.format().decode(t.rig.mem.read64(addr), level).addr ==
          *t.vmm.pa(t.va + 0x5000 + off));
  }
  uint64_t n = 0;
  CHECK(t.run(t.iopt.unmap(t.drv, 0, UINT64_MAX, n)) == Errno::Ok);
  CHECK(t.ledger.pinned_pages() == 0);
}

// ---- the driver's leaves: the largest that alignment and contiguity allow ----

TEST_CASE("driver: 4 KiB, 2 MiB and 1 GiB backing get 4 KiB, 2 MiB and 1 GiB leaves") {
  IoptRig t;
  uint64_t va2m = 0, va1g = 0;
  REQUIRE(t.vmm.mmap("m2", 8 << 20, 2 << 20, false, va2m) == Errno::Ok);
  REQUIRE(t.vmm.mmap("g1", 1ull << 30, 1ull << 30, false, va1g) == Errno::Ok);
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  uint64_t placed = 0;
  REQUIRE(t.run(t.iopt.map(t.drv, t.vmm, 0x40000000ull, t.va, 4 << 20, true, true, placed)) ==
          Errno::Ok);
  REQUIRE(t.run(t.iopt.map(t.drv, t.vmm, 0x80000000ull, va2m, 8 << 20, true, true, placed)) ==
          Errno::Ok);
  REQUIRE(t.run(t.iopt.map(t.drv, t.vmm, 0x100000000ull, va1g, 1ull << 30, true, true, placed)) ==
          Errno::Ok);
  CHECK(t.drv.find_leaf(*d, 0x40000000ull).second == 1);
  CHECK(t.drv.find_leaf(*d, 0x80000000ull).second == 2);
  CHECK(t.drv.find_leaf(*d, 0x100000000ull).second == 3);
  // An IOVA not aligned like the backing gets small leaves.
  REQUIRE(t.run(t.iopt.map(t.drv, t.vmm, 0x200001000ull, va2m, 2 << 20, true, true, placed)) ==
          Errno::Ok);
  CHECK(t.drv.find_leaf(*d, 0x200001000ull).second == 1);
  // With huge pages off every leaf is 4 KiB.
  IoptRig u;
  REQUIRE(u.iopt.set_huge_pages(0) == Errno::Ok);
  uint64_t u2m = 0;
  REQUIRE(u.vmm.mmap("m2", 8 << 20, 2 << 20, false, u2m) == Errno::Ok);
  Domain* e = u.drv.domain_alloc();
  REQUIRE(u.run(u.iopt.add_domain(u.drv, u.vmm, e, (1ull << 48) - 1)) == Errno::Ok);
  REQUIRE(u.run(u.iopt.map(u.drv, u.vmm, 0x80000000ull, u2m, 2 << 20, true, true, placed)) ==
          Errno::Ok);
  CHECK(u.drv.find_leaf(*e, 0x80000000ull).second == 1);
}

TEST_CASE("driver: an unmap frees the tables it covers whole, domain_free frees the rest") {
  IoptRig t;
  Domain* d = t.drv.domain_alloc();
  REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
  CHECK(t.drv.table_pages() == 1);  // the root
  REQUIRE(t.map(0x200000, 0, 2 << 20) == Errno::Ok);
  REQUIRE(t.map(0x400000, 2 << 20, 0x1000) == Errno::Ok);
  CHECK(t.drv.table_pages() == 5);  // root, level 3, level 2, two leaf tables
  uint64_t n = 0;
  REQUIRE(t.run(t.iopt.unmap(t.drv, 0x200000, 2 << 20, n)) == Errno::Ok);
  CHECK(t.drv.table_pages() == 4);  // the first leaf table was covered whole
  REQUIRE(t.run(t.iopt.unmap(t.drv, 0x400000, 0x1000, n)) == Errno::Ok);
  CHECK(t.drv.table_pages() == 4);  // Linux keeps a table the unmap covers only in part
  t.run([&]() -> Task<Errno> {
    co_await t.iopt.remove_domain(t.drv, d);
    co_return Errno::Ok;
  }());
  t.drv.domain_free(d);
  CHECK(t.drv.table_pages() == 0);
}
