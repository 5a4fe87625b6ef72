// PageTableFormat::scan_leaves, the harvest's one call per table: each format's bit
// tests against hand-built tables (ranges inside a table, no clean, absent slots, table
// pointers and replicas that stop it, 1 GiB leaves at level 3), and against the
// decode-based default over mixed tables of every kind of entry.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "iommu/amd_v1_format.h"
#include "iommu/arm_s1_format.h"
#include "iommu/page_table_format.h"
#include "models/base/rng.h"

using namespace sim;

namespace {

std::vector<std::unique_ptr<PageTableFormat>> all_formats() {
  std::vector<std::unique_ptr<PageTableFormat>> out;
  out.push_back(make_format("vtd-ss", 4));
  out.push_back(make_format("amd-v1", 4));
  out.push_back(make_format("arm-s1", 4));
  return out;
}

constexpr LeafPerm kRw{true, true, true};

// A table of 512 clean single leaves of `level`'s span, physically at pa0 onwards.
std::vector<uint64_t> leaf_table(const PageTableFormat& f, unsigned level, uint64_t pa0) {
  const unsigned shift = 12 + 9 * (level - 1);
  std::vector<uint64_t> t(512);
  // Clean: Arm maps writable leaves writable-dirty.
  for (unsigned i = 0; i < 512; ++i)
    t[i] = f.without_dirty(f.make_leaf(pa0 + (uint64_t(i) << shift), shift, kRw));
  return t;
}

void set_dirty(const PageTableFormat& f, std::vector<uint64_t>& t, std::vector<unsigned> slots) {
  for (unsigned i : slots) t[i] = f.with_access(t[i], true);
}

std::vector<unsigned> dirty_slots(const PageTableFormat& f, const std::vector<uint64_t>& t) {
  std::vector<unsigned> out;
  for (unsigned i = 0; i < 512; ++i)
    if (f.dirty(t[i])) out.push_back(i);
  return out;
}

struct Scan {
  LeafScan s;
  std::vector<unsigned> at;  // dirty_at[0, s.dirty)
};

Scan scan(const PageTableFormat& f, std::vector<uint64_t>& t, unsigned level, unsigned i0,
          unsigned i1, bool clean, bool skip_absent) {
  uint16_t dirty_at[512];
  Scan out;
  out.s = f.scan_leaves(t.data(), level, i0, i1, clean, skip_absent, dirty_at);
  out.at.assign(dirty_at, dirty_at + out.s.dirty);
  return out;
}

}  // namespace

TEST_CASE("scan_leaves: 2 MiB leaves from mid-table, the dirty ones reported and cleaned") {
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    std::vector<uint64_t> t = leaf_table(*f, 2, 1ull << 32);
    set_dirty(*f, t, {3, 100, 200, 400, 401});
    const Scan s = scan(*f, t, 2, 100, 401, true, false);
    CHECK(s.s.end == 401);
    CHECK(s.s.present == 301);
    CHECK(s.at == std::vector<unsigned>{100, 200, 400});
    // Outside [100, 401) nothing changed; inside every leaf is clean now.
    CHECK(dirty_slots(*f, t) == std::vector<unsigned>{3, 401});
    const Scan again = scan(*f, t, 2, 0, 512, true, false);
    CHECK(again.s.end == 512);
    CHECK(again.at == std::vector<unsigned>{3, 401});
    CHECK(dirty_slots(*f, t).empty());
    // Cleaning keeps the leaf what it was: the same page, present, writable.
    for (unsigned i : {3u, 100u, 401u}) {
      const Pte p = f->decode(t[i], 2);
      CHECK(p.present);
      CHECK(p.leaf);
      CHECK(p.size_shift == 21);
      CHECK(p.addr == (1ull << 32) + (uint64_t(i) << 21));
      CHECK(p.w);
    }
  }
}

TEST_CASE("scan_leaves: without clean the dirty state stays and reads the same twice") {
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    for (unsigned level : {1u, 2u}) {
      std::vector<uint64_t> t = leaf_table(*f, level, 1ull << 32);
      set_dirty(*f, t, {0, 17, 511});
      const std::vector<uint64_t> before = t;
      const Scan a = scan(*f, t, level, 0, 512, false, level == 1);
      const Scan b = scan(*f, t, level, 0, 512, false, level == 1);
      CHECK(a.at == std::vector<unsigned>{0, 17, 511});
      CHECK(b.at == a.at);
      CHECK(a.s.present == 512);
      CHECK(t == before);
    }
  }
}

TEST_CASE("scan_leaves: absent slots are skipped or stop the scan as asked") {
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    for (unsigned level : {1u, 2u}) {
      CAPTURE(level);
      std::vector<uint64_t> t = leaf_table(*f, level, 1ull << 32);
      t[10] = t[11] = t[300] = 0;
      set_dirty(*f, t, {5, 12, 299, 301});
      std::vector<uint64_t> copy = t;
      const Scan stop = scan(*f, copy, level, 4, 512, true, false);
      CHECK(stop.s.end == 10);
      CHECK(stop.s.present == 6);
      CHECK(stop.at == std::vector<unsigned>{5});
      CHECK(dirty_slots(*f, copy) == std::vector<unsigned>{12, 299, 301});
      // From an absent slot the scan takes nothing.
      CHECK(scan(*f, copy, level, 11, 512, true, false).s.end == 11);
      const Scan skip = scan(*f, t, level, 4, 400, true, true);
      CHECK(skip.s.end == 400);
      CHECK(skip.s.present == 396 - 3);
      CHECK(skip.at == std::vector<unsigned>{5, 12, 299, 301});
      CHECK(t[10] == 0);  // an absent slot is never written
      CHECK(t[300] == 0);
    }
  }
}

TEST_CASE("scan_leaves: a table pointer in a table of 2 MiB leaves stops the scan there") {
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    std::vector<uint64_t> t = leaf_table(*f, 2, 1ull << 32);
    t[50] = f->make_table(0x5000'0000, 2);
    set_dirty(*f, t, {49, 51});
    for (bool skip : {false, true}) {
      std::vector<uint64_t> copy = t;
      const Scan s = scan(*f, copy, 2, 0, 512, true, skip);
      CHECK(s.s.end == 50);
      CHECK(s.s.present == 50);
      CHECK(s.at == std::vector<unsigned>{49});
      CHECK(copy[50] == t[50]);
      CHECK(f->dirty(copy[51]));  // past the stop: untouched
    }
    // Starting past it, the rest of the table is read.
    const Scan rest = scan(*f, t, 2, 51, 512, true, false);
    CHECK(rest.s.end == 512);
    CHECK(rest.at == std::vector<unsigned>{51});
  }
}

TEST_CASE("scan_leaves: amd-v1 stops at the first replica of a 4 MiB or 64 KiB leaf") {
  const auto f = make_format("amd-v1", 4);
  // Level 2: a 4 MiB leaf over slots 8 and 9, dirty on its second replica.
  std::vector<uint64_t> t = leaf_table(*f, 2, 1ull << 32);
  t[8] = t[9] = f->make_leaf((1ull << 32) + (8ull << 21), 22, kRw);
  set_dirty(*f, t, {7, 9});
  Scan s = scan(*f, t, 2, 0, 512, true, false);
  CHECK(s.s.end == 8);
  CHECK(s.at == std::vector<unsigned>{7});
  CHECK(f->dirty(t[9]));  // the replica is the general path's to OR and clear
  CHECK(scan(*f, t, 2, 9, 512, true, false).s.end == 9);
  // Level 1: a 64 KiB leaf over slots 32..47.
  std::vector<uint64_t> l1 = leaf_table(*f, 1, 1ull << 32);
  for (unsigned i = 32; i < 48; ++i) l1[i] = f->make_leaf((1ull << 32) + (32ull << 12), 16, kRw);
  s = scan(*f, l1, 1, 0, 512, true, true);
  CHECK(s.s.end == 32);
  CHECK(s.s.present == 32);
  CHECK(scan(*f, l1, 1, 48, 512, true, true).s.end == 512);
}

TEST_CASE("scan_leaves: 1 GiB leaves at level 3 are single leaves of that level") {
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    std::vector<uint64_t> t(512);
    for (unsigned i = 0; i < 4; ++i)
      t[i] = f->without_dirty(f->make_leaf(uint64_t(i + 1) << 30, 30, kRw));
    t[4] = f->make_table(0x7000'0000, 3);
    set_dirty(*f, t, {1, 3});
    const Scan s = scan(*f, t, 3, 0, 512, true, true);
    CHECK(s.s.end == 4);
    CHECK(s.s.present == 4);
    CHECK(s.at == std::vector<unsigned>{1, 3});
    CHECK(dirty_slots(*f, t).empty());
    CHECK(f->decode(t[3], 3).size_shift == 30);
    CHECK(f->decode(t[3], 3).addr == 4ull << 30);
  }
}

TEST_CASE("scan_leaves: arm-s1 reads AP[2] and DBM, and an invalid page as absent") {
  const auto f = make_format("arm-s1", 4);
  using A = ArmS1Format;
  std::vector<uint64_t> t = leaf_table(*f, 1, 1ull << 32);
  t[1] = f->with_access(f->make_leaf(1ull << 32, 12, {true, false, true}), true);  // read-only
  t[2] = f->with_access(f->make_leaf(1ull << 32, 12, {true, true, false}), true);  // no DBM
  t[4] = f->with_access(t[4], true);  // writable-clean to writable-dirty
  t[6] = t[5] & ~A::kTable;           // valid without the page bit at level 1: invalid
  t[7] = f->with_access(t[7], true);
  std::vector<uint64_t> copy = t;
  Scan s = scan(*f, copy, 1, 0, 512, true, false);
  CHECK(s.s.end == 6);
  CHECK(s.s.present == 6);
  CHECK(s.at == std::vector<unsigned>{4});
  CHECK((copy[4] & A::kApRo) != 0);
  CHECK(f->decode(copy[4], 1).w_needs_tracking);
  CHECK(copy[2] == t[2]);  // writable without DBM: never dirty, never cleaned
  s = scan(*f, t, 1, 0, 512, true, true);
  CHECK(s.s.end == 512);
  CHECK(s.s.present == 511);
  CHECK(s.at == std::vector<unsigned>{4, 7});
  // Level 4 has no leaves: nothing valid is taken there.
  std::vector<uint64_t> top(512);
  top[0] = f->make_table(0x6000'0000, 4);
  CHECK(scan(*f, top, 4, 0, 512, true, true).s.end == 0);
  CHECK(scan(*f, top, 4, 1, 512, true, true).s.end == 512);
}

TEST_CASE("scan_leaves: amd-v1 reads a NextLevel that skips a level as absent") {
  const auto f = make_format("amd-v1", 4);
  std::vector<uint64_t> t = leaf_table(*f, 2, 1ull << 32);
  t[20] = f->make_table(0x5000'0000, 4);  // NextLevel 3 at level 2
  CHECK_FALSE(f->decode(t[20], 2).present);
  CHECK(scan(*f, t, 2, 0, 512, true, false).s.end == 20);
  const Scan s = scan(*f, t, 2, 0, 512, true, true);
  CHECK(s.s.end == 512);
  CHECK(s.s.present == 511);
}

TEST_CASE("scan_leaves: every format agrees with the decode-based default on mixed tables") {
  Rng rng(7, "scan-leaves-test");
  for (auto& f : all_formats()) {
    CAPTURE(f->name());
    for (unsigned level = 1; level <= 3; ++level) {
      CAPTURE(level);
      const unsigned shift = 12 + 9 * (level - 1);
      for (unsigned round = 0; round < 40; ++round) {
        // Mostly single leaves (clean, dirty, read-only), some absent, tables, replicas
        // and raw noise, so that runs of every length end in every way.
        std::vector<uint64_t> t(512);
        for (unsigned i = 0; i < 512; ++i) {
          const uint64_t pa = (1ull << 40) + (uint64_t(i) << shift);
          const uint64_t k = rng.below(100);
          if (k < 60)
            t[i] = f->make_leaf(pa, shift, kRw);
          else if (k < 75)
            t[i] = f->with_access(f->make_leaf(pa, shift, kRw), true);
          else if (k < 80)
            t[i] = f->make_leaf(pa, shift, {true, false, true});
          else if (k < 88)
            t[i] = 0;
          else if (k < 92 && level > 1)
            t[i] = f->make_table(0x5000'0000 + (i << 12), level);
          else if (k < 95 && level < 3 && f->name() == "amd-v1")
            t[i] = f->make_leaf(pa, shift + 1, kRw);  // a replica
          else if (k < 97)
            t[i] = f->without_dirty(f->make_leaf(pa, shift, kRw));
          else
            t[i] = rng.next();
        }
        const unsigned i0 = unsigned(rng.below(512));
        const unsigned i1 = i0 + unsigned(rng.below(513 - i0));
        for (bool clean : {false, true})
          for (bool skip : {false, true}) {
            std::vector<uint64_t> a = t, b = t;
            uint16_t da[512], db[512];
            const LeafScan sa = f->scan_leaves(a.data(), level, i0, i1, clean, skip, da);
            const LeafScan sb =
                f->PageTableFormat::scan_leaves(b.data(), level, i0, i1, clean, skip, db);
            CHECK(sa.end == sb.end);
            CHECK(sa.present == sb.present);
            REQUIRE(sa.dirty == sb.dirty);
            CHECK(std::equal(da, da + sa.dirty, db));
            CHECK(a == b);
          }
      }
    }
  }
}
