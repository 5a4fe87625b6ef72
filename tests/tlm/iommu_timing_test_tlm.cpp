// The IOMMU's timing through the assembled platform, one simulation per process: one
// hit, one miss, N concurrent misses on the walker pool, and sync latency under
// background invalidations.
#include "tests/tlm/tlm_main.h"

#include "tests/tlm/platform_run.h"

using namespace sim;

namespace {

// A platform with one device whose DMAs are `dma`, 1 MiB mapped at IOVA 0.
std::string scenario(const std::string& iommu, const std::string& dma,
                     const std::string& steps = "") {
  return R"(
version: 1
name: t
sim: {end: 200us}
platform:
  memory: {size: 1GiB, latency: 80ns, bandwidth: 25.6GB/s}
  iommu: )" +
         iommu + R"(
devices:
  - {name: d, bdf: "01:00.0", tags: 64, dma: )" +
         dma + R"(}
host:
  memory: [{name: g, size: 1MiB}]
  setup:
    - {op: ioas_alloc, id: a}
    - {op: hwpt_alloc, id: h, ioas: a, dirty_tracking: true}
    - {op: attach, device: d, hwpt: h}
    - {op: ioas_map, ioas: a, iova: 0, user: g, length: 1MiB}
)" + steps;
}

}  // namespace

TEST_CASE("a miss costs the walk (overhead + four reads), a hit only the lookup") {
  test::PlatformRun r(scenario("{latency: {walk_overhead: 10ns, iotlb_hit: 2ns}}",
                               "[{name: warm, op: read, at: 1us, iova: 0x9000, length: 64},"
                               " {name: a, op: read, at: 5us, iova: 0x3000, length: 64},"
                               " {name: b, op: read, at: 9us, iova: 0x3040, length: 64}]"));
  // The first DMA also fetched the context entry (two 16-byte reads); after it, a miss
  // is the walk alone.
  const Ps miss = r.latency(2), hit = r.latency(3);
  // Four page-table reads of 8 bytes each on the memory channel, plus the overhead.
  const Ps walk = 10 * kNs + 4 * (80 * kNs + transfer_ps(8, 25'600'000'000));
  CHECK(miss - hit == walk - 2 * kNs);
  const Ps context = 2 * (80 * kNs + transfer_ps(16, 25'600'000'000));
  CHECK(r.latency(1) - miss >= context - 2);  // the channel's picosecond carry
  CHECK(r.latency(1) - miss <= context);
  CHECK(r.stat("iommu.walks") == 2);
  CHECK(r.stat("iommu.iotlb.hits") == 1);
}

TEST_CASE("N concurrent misses on one walker queue: each waits for the walk before it") {
  test::PlatformRun r(scenario("{walkers: 1}",
                               "[{name: a, op: read, at: 1us, iova: 0x10000, length: 64},"
                               " {name: b, op: read, at: 1us, iova: 0x20000, length: 64},"
                               " {name: c, op: read, at: 1us, iova: 0x30000, length: 64}]"));
  const Ps a = r.latency(1), b = r.latency(2), c = r.latency(3);
  CHECK(b > a);
  CHECK(c > b);
  // The second and third wait for the walks before them (minus the TLPs' wire spacing).
  CHECK(c - b == doctest::Approx(double(b - a)).epsilon(0.05));
  CHECK(r.stat("iommu.walks") == 3);
}

TEST_CASE("background invalidations raise a harvest's sync latency") {
  // Alone, the harvest's domain invalidation and wait take 300 + 200 ns; other users
  // arriving every 500 ns with the same pair keep the engine busy ahead of it.
  test::PlatformRun busy(
      scenario("{invalidation: {descriptor: 300ns}, background_inv: {interval: 500ns}}",
               "[{name: w, op: write, at: 1us, iova: 0x5000, length: 64}]", R"(  steps:
    - {at: 2us, op: set_dirty_tracking, hwpt: h, enable: true}
    - {at: 50us, op: get_dirty_bitmap, hwpt: h, iova: 0, length: 1MiB, flush: domain}
)"));
  CHECK(busy.stat("iommu.inv.background") > 100);
  CHECK(busy.stat("iommu.inv.sync_latency_ns.p50") > 500 + 300);
}
