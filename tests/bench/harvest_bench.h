#pragma once
// `iommu-sim-bench harvest`: the dirty harvest and the memory of a guest-sized mapping,
// in its own process so the peak resident set is this mapping's. The real driver maps
// the range on a real SparseMemory, D is set on 1% of the leaves through the backdoor
// (real DMA for 1% of 1 TiB would write 10 GiB of data), then the driver's
// read_and_clear_dirty (what GET_DIRTY_BITMAP runs) is timed against a plain
// scan-and-clear loop over the same PTE bytes in the same run.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host-sw/driver/iommu_driver.h"
#include "host-sw/kernel/host_cpu.h"
#include "host-sw/kernel/phys_allocator.h"
#include "models/base/rng.h"
#include "models/memory/mmio.h"
#include "models/memory/sparse_memory.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "models/sim/dispatcher.h"

namespace sim::bench {

// Mapping and harvesting never touch a register: any access is a bench bug.
struct NoMmio : MmioBus {
  uint64_t read(uint64_t, unsigned, Ps) override { throw std::logic_error("bench: MMIO read"); }
  void write(uint64_t, uint64_t, unsigned, Ps) override {
    throw std::logic_error("bench: MMIO write");
  }
};

// One domain mapping [0, size) at `leaf` bytes per leaf (4 KiB or 2 MiB) with the
// real driver in `format` (the bench's vtd-ss by default); the page tables below the
// guest's physical range.
struct HarvestRig {
  static constexpr uint64_t kTables = 8ull << 30;  // room for 1 TiB's tables at 4 KiB
  uint64_t size, leaf;
  std::string format;
  Dispatcher d;
  SparseMemory mem;
  StatsRegistry stats;
  TraceRecorder trace;
  NoMmio mmio;
  HostEnv env;
  HostCpu cpu{d, HostCost{}};
  PhysAllocator phys{1ull << 20, kTables - (1ull << 20)};
  IommuDriver drv{env, cpu, phys};
  Domain* dom = nullptr;

  HarvestRig(uint64_t size_, uint64_t leaf_, std::string format_ = "vtd-ss")
      : size(size_), leaf(leaf_), format(std::move(format_)), mem(kTables + size_), env(host()) {}
  HostEnv host() { return {d, mem, mmio, stats, trace, hw()}; }
  HardwareInfo hw() const {
    HardwareInfo h;
    h.format = format;
    h.units.push_back({"iommu", 0});  // never booted: the bench submits nothing
    h.memory_size = kTables + size;
    return h;
  }
  template <class T>
  T run(Task<T> t) {
    T out{};
    bool done = false;
    auto body = [](Task<T> t, T& out) -> Task<> { out = co_await t; };
    Fiber f = Fiber::start(body(std::move(t), out), [&done](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      done = true;
    });
    while (!done && d.run_one()) {
    }
    if (!done) throw std::logic_error("bench: task did not finish");
    return out;
  }
  void map() {
    dom = drv.domain_alloc(true);
    // Guest memory right after the tables; 2 MiB leaves are physically contiguous
    // only per 2 MiB, so no 1 GiB leaf forms.
    const uint64_t base = kTables, lf = leaf;
    Backing b = [base, lf, this](uint64_t off) -> std::pair<uint64_t, uint64_t> {
      return {base + off, lf == 4096 ? size - off : lf - off % lf};
    };
    auto body = [](IommuDriver& drv, Domain& dom, uint64_t size, Backing b,
                   bool huge) -> Task<int> {
      co_await drv.map(dom, 0, size, std::move(b), true, true, huge);
      co_return 0;
    };
    run(body(drv, *dom, size, std::move(b), leaf != 4096));
  }
  // Leaf i of the 1% chosen: gaps uniform in [1, 199] from a fixed stream.
  template <class F>
  void each_chosen(F f) const {
    Rng rng(1, "harvest-bench");
    for (uint64_t i = rng.between(0, 198); i < size / leaf; i += rng.between(1, 199)) f(i * leaf);
  }
  uint64_t set_dirty() {
    uint64_t n = 0;
    each_chosen([&](uint64_t iova) {
      const uint64_t addr = drv.find_leaf(*dom, iova).first;
      if (!addr) throw std::logic_error("bench: chosen leaf not mapped");
      uint64_t* pte = mem.word64(addr);
      *pte = drv.format().with_access(*pte, true);
      ++n;
    });
    return n;
  }
  HarvestCounts harvest(uint64_t& bytes) {
    bytes = 0;
    auto rec = [&bytes](uint64_t, uint64_t len) { bytes += len; };
    return run(drv.read_and_clear_dirty(*dom, 0, size, false, rec));
  }
  // The leaf tables' bytes, one pointer per 4 KiB table (found before the timing).
  std::vector<uint64_t*> leaf_tables() {
    std::vector<uint64_t*> out;
    for (uint64_t at = 0; at < size; at += 2ull << 20)
      if (uint64_t addr = drv.find_leaf(*dom, at).first) out.push_back(mem.word64(addr));
    return out;
  }
};

inline double seconds(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// VmHWM from /proc/self/status, bytes (0 when unavailable).
inline uint64_t peak_rss() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %llu kB", &kb) == 1) break;
  std::fclose(f);
  return kb * 1024;
}

// Runs the 4 KiB and then the 2 MiB case over `size` bytes; prints one JSON object.
inline int harvest_main(uint64_t size) {
  using clock = std::chrono::steady_clock;
  double map4, h4, plain, map2, h2;
  uint64_t ptes, dirty, tables_bytes, rss, plain_cleared, ptes2, dirty2;
  {
    HarvestRig rig(size, 4096);
    auto t0 = clock::now();
    rig.map();
    map4 = seconds(t0);
    tables_bytes = rig.drv.table_pages() * 4096;
    dirty = rig.set_dirty();
    uint64_t bytes;
    t0 = clock::now();
    const HarvestCounts c = rig.harvest(bytes);
    h4 = seconds(t0);
    ptes = c.ptes;
    if (c.dirty != dirty || bytes != dirty * 4096)
      throw std::logic_error("bench: the harvest missed dirty leaves");
    // The plain loop: VT-d's D is one bit, tested and cleared in place.
    const uint64_t leaf0 = *rig.mem.word64(rig.drv.find_leaf(*rig.dom, 0).first);
    const uint64_t dbit =
        rig.drv.format().with_access(leaf0, true) ^ rig.drv.format().with_access(leaf0, false);
    if (rig.set_dirty() != dirty) throw std::logic_error("bench: dirty set changed");
    std::vector<uint64_t*> tables = rig.leaf_tables();
    plain_cleared = 0;
    t0 = clock::now();
    for (uint64_t* t : tables)
      for (unsigned i = 0; i < 512; ++i)
        if (t[i] & dbit) {
          t[i] &= ~dbit;
          ++plain_cleared;
        }
    plain = seconds(t0);
    if (plain_cleared != dirty) throw std::logic_error("bench: the plain loop missed leaves");
    rss = peak_rss();
  }
  {
    HarvestRig rig(size, 2ull << 20);
    auto t0 = clock::now();
    rig.map();
    map2 = seconds(t0);
    dirty2 = rig.set_dirty();
    uint64_t bytes;
    t0 = clock::now();
    const HarvestCounts c = rig.harvest(bytes);
    h2 = seconds(t0);
    ptes2 = c.ptes;
    if (c.dirty != dirty2) throw std::logic_error("bench: the 2 MiB harvest missed leaves");
  }
  const double budget = 1.25 * double(tables_bytes) + double(512ull << 20);
  std::printf(
      "{\"harvest\": \"4 KiB and 2 MiB leaves, 1%% dirty, vtd-ss\", \"size_bytes\": %llu, "
      "\"map_4k_s\": %.3f, \"ptes_4k\": %llu, \"dirty_4k\": %llu, \"harvest_4k_s\": %.3f, "
      "\"harvest_ptes_per_s\": %.0f, \"plain_loop_s\": %.3f, \"plain_ptes_per_s\": %.0f, "
      "\"harvest_vs_plain\": %.3f, \"target_harvest_vs_plain\": 0.5, "
      "\"map_2m_s\": %.3f, \"ptes_2m\": %llu, \"dirty_2m\": %llu, \"harvest_2m_ms\": %.3f, "
      "\"target_harvest_2m_ms\": 5, \"page_table_bytes\": %llu, \"peak_rss_bytes\": %llu, "
      "\"rss_budget_bytes\": %.0f, \"rss_vs_budget\": %.3f}\n",
      (unsigned long long)size, map4, (unsigned long long)ptes, (unsigned long long)dirty, h4,
      double(ptes) / h4, plain, double(ptes) / plain, plain / h4, map2, (unsigned long long)ptes2,
      (unsigned long long)dirty2, h2 * 1e3, (unsigned long long)tables_bytes,
      (unsigned long long)rss, budget, double(rss) / budget);
  return 0;
}

}  // namespace sim::bench
