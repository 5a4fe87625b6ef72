// The DMA API: its IOVA caches (plain), and map/unmap in strict and lazy mode on the
// real IOMMU core (invalidations counted, the flush queue's batching and timer, the
// stale window in which an unmapped IOVA still translates).
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "host-sw/driver/dma_api.h"
#include "host-sw/driver/iova_magazines.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;
using Source = IovaMagazines::Source;

TEST_CASE("iova magazines: the tree first, then the CPU's own magazines, LIFO") {
  IovaMagazines m(0x100000, 64 * 4096, 2, 2, 1);
  uint64_t a, b;
  Source from;
  REQUIRE(m.alloc(0, a, from));
  CHECK(from == Source::Tree);
  CHECK(a == 0x100000);
  REQUIRE(m.alloc(0, b, from));
  CHECK(b == 0x101000);
  CHECK(m.free(0, a) == Source::Cpu);
  uint64_t c;
  REQUIRE(m.alloc(0, c, from));
  CHECK(from == Source::Cpu);
  CHECK(c == a);  // the one freed last comes back
  // Another CPU's magazines are its own: CPU 1 goes to the tree.
  m.free(0, c);
  REQUIRE(m.alloc(1, c, from));
  CHECK(from == Source::Tree);
  CHECK(c == 0x102000);
  CHECK(m.in_use() == 2);
}

TEST_CASE("iova magazines: full magazines go to the depot, then back to the tree whole") {
  IovaMagazines m(0, 64 * 4096, 2, 2, 1);  // base 0: IOVA 0 is never handed out
  std::vector<uint64_t> got(7);
  Source from;
  for (uint64_t& x : got) REQUIRE(m.alloc(0, x, from));
  CHECK(got[0] == 0x1000);
  // Two magazines of two fill, the fifth free moves a full one to the depot...
  for (int i = 0; i < 4; ++i) CHECK(m.free(0, got[i]) == Source::Cpu);
  CHECK(m.free(0, got[4]) == Source::Depot);
  // ...and with the depot full the next overflow frees a whole magazine to the tree.
  CHECK(m.free(0, got[5]) == Source::Cpu);
  CHECK(m.free(0, got[6]) == Source::Tree);
  CHECK(m.tree_ops() == 2);
  // CPU 1 finds the depot's magazine.
  uint64_t x;
  REQUIRE(m.alloc(1, x, from));
  CHECK(from == Source::Depot);
}

TEST_CASE("iova magazines: without caches every operation is the tree.s, and the window ends") {
  IovaMagazines m(0x10000, 2 * 4096, 1, 0, 0);
  uint64_t a, b, c;
  Source from;
  REQUIRE(m.alloc(0, a, from));
  REQUIRE(m.alloc(0, b, from));
  CHECK(from == Source::Tree);
  CHECK_FALSE(m.alloc(0, c, from));
  CHECK(m.free(0, b) == Source::Tree);
  CHECK(m.free(0, a) == Source::Tree);
  REQUIRE(m.alloc(0, c, from));
  CHECK(c == a);  // the lowest free page: first fit
}

namespace {

const char* kAttached = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
)";

// The host set up, then `script` run as a host coroutine from `at`.
struct ApiRig {
  HostRig rig{kAttached};
  std::unique_ptr<DmaApi> api;
  Fiber f;
  explicit ApiRig(DmaApiConfig c) {
    rig.iommu->set_zero_cost(true);
    rig.host->boot_and_setup();
    while (!rig.host->setup_done() && rig.d.run_one()) {
    }
    rig.iommu->set_zero_cost(false);
    api = std::make_unique<DmaApi>(rig.host->driver(), domain(), c, rig.stats, "t");
  }
  Domain& domain() { return *rig.host->hwpts().at("hwpt0").domain; }
  uint64_t pa(uint64_t guest_iova) {
    const auto [pte, level] = rig.host->driver().find_leaf(domain(), guest_iova);
    return rig.host->driver().format().decode(rig.mem.read64(pte), level).addr;
  }
  bool dma(uint64_t addr) {
    return rig.iommu->translate(0x0100, kNoPasid, addr, 64, true, rig.d.now()).ok;
  }
  void run(Task<> script, Ps end) {
    f = Fiber::start(std::move(script), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    rig.d.run_until(end);
  }
  int64_t stat(const std::string& n) { return rig.stat("t." + n); }
};

DmaApiConfig config(DmaApiMode mode, unsigned fq_size = 256, Ps timeout = 10 * kMs) {
  DmaApiConfig c;
  c.mode = mode;
  c.cpus = 2;
  c.fq_size = fq_size;
  c.fq_timeout = timeout;
  return c;
}

}  // namespace

TEST_CASE("dma api strict: every unmap invalidates and waits, and the IOVA is reused at once") {
  ApiRig r(config(DmaApiMode::Strict));
  std::vector<bool> ok;
  uint64_t first = 0, second = 0;
  Ps unmap_took = 0;
  auto script = [&]() -> Task<> {
    first = co_await r.api->map(0, r.pa(0x5000) + 0x800);
    CHECK(first % 4096 == 0x800);  // the buffer's offset in its page is kept
    ok.push_back(r.dma(first));    // fills the IOTLB
    const Ps t = r.rig.d.now();
    co_await r.api->unmap(0, first);
    unmap_took = r.rig.d.now() - t;
    ok.push_back(r.dma(first));  // the IOTLB forgot it before unmap returned
    second = co_await r.api->map(0, r.pa(0x6000));
    ok.push_back(r.dma(second));
  };
  r.run(script(), 1 * kMs);
  CHECK(ok == std::vector<bool>{true, false, true});
  CHECK((second >> 12) == (first >> 12));  // back from the CPU's magazine
  CHECK(r.stat("syncs") == 1);
  CHECK(r.stat("maps") == 2);
  CHECK(r.stat("unmaps") == 1);
  CHECK(r.stat("stale_window_ns.count") == 1);
  // The window is the sync: submit and wait, under the unmap's own time.
  CHECK(r.stat("stale_window_ns.max") > 200);
  CHECK(Ps(r.stat("stale_window_ns.max")) * kNs < unmap_took);
}

TEST_CASE("dma api lazy: one invalidation per full queue, and until it the IOVA still translates") {
  ApiRig r(config(DmaApiMode::Lazy, 4));
  std::vector<bool> ok;
  std::vector<uint64_t> a(4);
  uint64_t again = 0;
  int64_t syncs_before_full = -1;
  auto script = [&]() -> Task<> {
    for (int i = 0; i < 4; ++i) {
      a[i] = co_await r.api->map(0, r.pa(0x10000 + 0x1000 * i));
      ok.push_back(r.dma(a[i]));
    }
    for (int i = 0; i < 3; ++i) co_await r.api->unmap(0, a[i]);
    syncs_before_full = r.stat("syncs");
    ok.push_back(r.dma(a[0]));  // PTE clear, IOTLB entry alive: the stale window
    // Queued IOVAs are not free: a new map gets another.
    again = co_await r.api->map(0, r.pa(0x20000));
    co_await r.api->unmap(0, a[3]);  // the fourth fills the queue: flushed now
    ok.push_back(r.dma(a[0]));
  };
  r.run(script(), 1 * kMs);
  CHECK(syncs_before_full == 0);
  CHECK(ok == std::vector<bool>{true, true, true, true, true, false});
  for (uint64_t x : a) CHECK(again != x);
  CHECK(r.stat("syncs") == 1);
  CHECK(r.stat("flush_queue.full_flushes") == 1);
  CHECK(r.stat("flush_queue.timer_flushes") == 0);
  CHECK(r.stat("stale_window_ns.count") == 4);
  CHECK(r.api->queued() == 0);
  CHECK(r.api->iovas_in_use() == 1);
}

TEST_CASE("dma api lazy: a queue that never fills is flushed by the timer, all CPUs' at once") {
  ApiRig r(config(DmaApiMode::Lazy, 256, 50 * kUs));
  uint64_t a = 0, b = 0;
  auto script = [&]() -> Task<> {
    a = co_await r.api->map(0, r.pa(0x5000));
    b = co_await r.api->map(1, r.pa(0x6000));
    co_await r.api->unmap(0, a);
    co_await r.api->unmap(1, b);
  };
  r.run(script(), 1 * kMs);
  CHECK(r.stat("syncs") == 1);
  CHECK(r.stat("flush_queue.timer_flushes") == 1);
  CHECK(r.api->queued() == 0);
  // The first unmap waited the whole timeout and the sync; none waited longer.
  CHECK(r.stat("stale_window_ns.count") == 2);
  CHECK(r.stat("stale_window_ns.max") >= 50'000);
  CHECK(r.stat("stale_window_ns.max") < 52'000);
}

TEST_CASE("dma api strict: CPUs unmapping at once queue for the invalidation lock") {
  ApiRig r(config(DmaApiMode::Strict));
  std::vector<Ps> done(2);
  std::vector<uint64_t> addr(2);
  std::vector<Fiber> cpus;
  auto cpu = [&](unsigned c) -> Task<> {
    addr[c] = co_await r.api->map(c, r.pa(0x5000 + 0x1000 * c));
    co_await SleepUntil{r.rig.d, 10 * kUs, Rank::Host};
    co_await r.api->unmap(c, addr[c]);
    done[c] = r.rig.d.now();
  };
  for (unsigned c = 0; c < 2; ++c)
    cpus.push_back(Fiber::start(cpu(c), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    }));
  r.rig.d.run_until(1 * kMs);
  CHECK(r.stat("syncs") == 2);
  CHECK(r.stat("inv_lock_wait_ns") > 200);
  // The second took its own sync after the first's: about twice as long.
  const Ps first = done[0] - 10 * kUs, second = done[1] - 10 * kUs;
  CHECK(second > first + first / 2);
}
