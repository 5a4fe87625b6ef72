#include <doctest/doctest.h>

#include <cstring>
#include <set>

#include "models/base/rng.h"
#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"
#include "models/report/histogram.h"
#include "models/report/stats.h"
#include "models/sim/reservation_calendar.h"

using namespace sim;

TEST_CASE("rng: same (seed, name) gives the same stream, names and seeds separate streams") {
  Rng a(42, "dev.nic0.rx"), b(42, "dev.nic0.rx"), c(42, "dev.nic0.tx"), d(43, "dev.nic0.rx");
  uint64_t x = a.next();
  CHECK(x == b.next());
  CHECK(x != c.next());
  CHECK(x != d.next());
  CHECK(stable_hash("abc") == 0xe71fa2190541574bull);
}

TEST_CASE("rng: below stays in range and covers it") {
  Rng r(1, "t");
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    uint64_t v = r.below(10);
    CHECK(v < 10);
    seen.insert(v);
    uint64_t w = r.between(5, 7);
    CHECK(w >= 5);
    CHECK(w <= 7);
    double u = r.unit();
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
  CHECK(seen.size() == 10);
}

TEST_CASE("calendar: back-to-back bookings queue, gaps are reused, neighbours merge") {
  ReservationCalendar c;
  CHECK(c.book(100, 10) == 100);
  CHECK(c.book(100, 10) == 110);  // queued behind the first
  CHECK(c.intervals() == 1);      // merged [100,120)
  CHECK(c.book(200, 10) == 200);
  CHECK(c.book(0, 50) == 0);      // fits in the gap before 100
  CHECK(c.book(50, 60) == 120);   // the gap [50,100) is too small; [120,200) fits
  CHECK(c.book(115, 90) == 210);  // busy to 180; the gap [180,200) is too small
  CHECK(c.peek(0, 0) == 0);
  CHECK(c.busy_ps() == 10 + 10 + 10 + 50 + 60 + 90);
  c.forget_before(150);
  CHECK(c.peek(0, 10) == 0);
}

TEST_CASE("calendar: every booking is the earliest fit a plain scan finds") {
  // The reference keeps every booking and scans them all; the calendar's inline paths
  // (after everything, queued behind the last interval) and its gap search must agree.
  ReservationCalendar c;
  std::vector<std::pair<Ps, Ps>> ref;  // [start, end), unsorted
  auto earliest = [&](Ps ready, Ps d) {
    for (Ps t = ready;;) {
      bool moved = false;
      for (auto [s, e] : ref)
        if (s < t + d && e > t) t = e, moved = true;
      if (!moved) return t;
    }
  };
  Rng r(7, "calendar");
  Ps now = 0;
  for (int i = 0; i < 3000; ++i) {
    now += r.below(40);
    const Ps ready = now - std::min<Ps>(now, r.below(4) ? 0 : r.below(200));
    const Ps d = 1 + r.below(30);
    const Ps want = earliest(ready, d);
    REQUIRE(c.book(ready, d) == want);
    ref.push_back({want, want + d});
  }
}

TEST_CASE("memory timing: interleaved sizes are timed as each alone would be") {
  // The kept transfer times of the latest sizes must never answer for another size.
  MemoryTiming m(80 * kNs, 25'600'000'000, 90 * kNs);
  ReservationCalendar ref;
  Rng r(3, "memory-timing");
  const uint64_t sizes[] = {256, 220, 8, 16, 64, 0, 4096};
  Ps t = 0;
  for (int i = 0; i < 2000; ++i) {
    t += r.below(30 * kNs);
    const uint64_t bytes = sizes[r.below(std::size(sizes))];
    const bool write = r.below(2);
    const Ps d = transfer_ps(bytes, 25'600'000'000);
    REQUIRE(m.access(t, bytes, write) == ref.book(t, d) + d + (write ? 90 : 80) * kNs);
  }
}

TEST_CASE("calendar: long runs keep a bounded number of intervals") {
  ReservationCalendar c;
  for (Ps t = 0; t < 100 * kMs; t += 100 * kNs) c.book(t, 10 * kNs);  // a gap after each
  CHECK(c.intervals() < 20000);  // about 1 ms worth, not 1 000 000
  CHECK(c.busy_ps() == 1'000'000ull * 10 * kNs);
  CHECK(c.book(100 * kMs - 150 * kNs, 5 * kNs) == 100 * kMs - 150 * kNs);  // recent gaps stay
}

TEST_CASE("reservation pool: earliest server, ties to the lowest index") {
  ReservationPool p(2);
  CHECK(p.book(0, 100) == 0);
  CHECK(p.book(0, 100) == 0);    // second server
  CHECK(p.book(0, 100) == 100);  // both busy until 100
  CHECK(p.peek(0, 10) == 100);
  CHECK(p.servers() == 2);
}

TEST_CASE("sparse memory: unwritten reads zero, writes cross slabs, slabs counted") {
  SparseMemory m(8ull << 30);
  CHECK(m.read64(0x1000) == 0);
  CHECK(m.slabs() == 0);
  CHECK(m.find(0x1000) == nullptr);
  std::vector<uint8_t> data(100);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i + 1);
  uint64_t edge = SparseMemory::kSlabSize - 50;
  m.write(edge, data.data(), data.size());
  CHECK(m.slabs() == 2);
  std::vector<uint8_t> back(100);
  m.read(edge, back.data(), back.size());
  CHECK(back == data);
  m.write64(0x1f0000000ull, 0xdeadbeefcafef00dull);
  CHECK(m.read64(0x1f0000000ull) == 0xdeadbeefcafef00dull);
  CHECK(m.read32(0x1f0000004ull) == 0xdeadbeefu);
  *m.word64(0x8) |= 1;
  CHECK(m.read64(0x8) == 1);
  CHECK_THROWS_AS(m.read64(8ull << 30), std::out_of_range);
  CHECK_THROWS_AS(m.write(m.size() - 4, data.data(), 8), std::out_of_range);
}

TEST_CASE("sparse memory: a 256 TiB address space in a few mappings, read back exactly") {
  SparseMemory m(256ull << 40);
  CHECK(m.chunks() == 0);
  CHECK(m.chunk_bits() == 36);  // 64 GiB chunks: 4096 of them at most
  // One word in each of 16 slabs spread over the whole space.
  for (uint64_t i = 0; i < 16; ++i) m.write64(i * (16ull << 40) + 0x1238, i + 1);
  CHECK(m.slabs() == 16);
  CHECK(m.chunks() == 16);
  for (uint64_t i = 0; i < 16; ++i) {
    CHECK(m.read64(i * (16ull << 40) + 0x1238) == i + 1);
    CHECK(m.find(i * (16ull << 40) + SparseMemory::kSlabSize) == nullptr);  // never written
  }
  // A backdoor pointer stays valid and sees later writes.
  const uint8_t* p = m.find(0x1238);
  m.write64(0x1240, 77);
  uint64_t v = 0;
  std::memcpy(&v, p + 8, 8);
  CHECK(v == 77);
  CHECK(m.read64((256ull << 40) - 8) == 0);
}

TEST_CASE("sparse memory: up to 4 TiB in 1 GiB chunks") {
  SparseMemory m(4ull << 40);
  CHECK(m.chunk_bits() == 30);
  m.write64((4ull << 40) - 8, 1);
  m.write64(0, 1);
  CHECK(m.chunks() == 2);
  SparseMemory small(2ull << 20);  // the smallest memory: one chunk, one slab
  small.write64((2ull << 20) - 8, 5);
  CHECK(small.read64((2ull << 20) - 8) == 5);
  CHECK(small.slabs() == 1);
}

TEST_CASE("histogram: exact small values, relative error <= 1/64 above") {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.add(v);
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(100) == 100);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  for (uint64_t v : {128ull, 1000ull, 4097ull, 123456789ull, 1ull << 50}) {
    uint64_t lo = Histogram::lower_bound(Histogram::bucket_of(v));
    CHECK(lo <= v);
    CHECK(double(v - lo) / double(v) <= 1.0 / 64);
  }
  Histogram g;
  g.add(1'000'000);
  h.merge(g);
  CHECK(h.count() == 101);
  CHECK(h.max() == 1'000'000);
}

TEST_CASE("stats: counters, histogram exports, JSON sorted, duplicates refused") {
  StatsRegistry s;
  uint64_t& hits = s.counter("iommu.iotlb.hits", "count", "IOTLB hits");
  hits += 3;
  Histogram& lat = s.histogram("dev.a.read_latency_ns", "ns", "read latency");
  lat.add(500);
  lat.add(700);
  s.computed("dev.a.goodput_gbps", "Gb/s", "goodput", [] { return StatValue(1.5); });
  s.set("host.steps_failed", "count", "failed steps", int64_t(0));
  CHECK_THROWS_AS(s.counter("iommu.iotlb.hits", "count", "again"), std::logic_error);
  CHECK(std::get<int64_t>(*s.get("iommu.iotlb.hits")) == 3);
  CHECK(std::get<int64_t>(*s.get("dev.a.read_latency_ns.count")) == 2);
  CHECK(std::get<int64_t>(*s.get("dev.a.read_latency_ns.max")) == 700);
  CHECK_FALSE(s.get("dev.a.read_latency_ns"));
  CHECK_FALSE(s.get("nope"));
  auto j = s.to_json("x", 7, 123);
  CHECK(j["seed"] == 7);
  CHECK(j["stats"]["iommu.iotlb.hits"]["value"] == 3);
  std::vector<std::string> keys;
  for (auto& [k, v] : j["stats"].items()) keys.push_back(k);
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK(keys.size() == 7);
  CHECK(s.table().find("dev.a.goodput_gbps") != std::string::npos);
}
