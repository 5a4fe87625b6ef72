#include "host-sw/driver/dma_api.h"

#include <algorithm>

#include "models/config/config.h"

namespace sim {

const NamedValues<DmaApiMode>& dma_api_modes() {
  static const NamedValues<DmaApiMode> t{
      {"static", DmaApiMode::Static}, {"strict", DmaApiMode::Strict}, {"lazy", DmaApiMode::Lazy}};
  return t;
}

DmaApiConfig load_dma_api_config(ConfigReader& r) {
  DmaApiConfig c;
  c.mode = r.choice("mode", c.mode, dma_api_modes());
  c.cpus = unsigned(r.integer("cpus", c.cpus, 1, 1024));
  ConfigReader iova = r.section("iova");
  c.iova_base = iova.address("base", c.iova_base);
  c.iova_length = iova.size("length", c.iova_length);
  if (c.iova_base % 4096 || c.iova_length % 4096 || c.iova_length < 4096)
    iova.fail("length", "expected a page-aligned base and a length of whole pages");
  if (c.iova_base + c.iova_length < c.iova_base) iova.fail("length", "the window wraps");
  ConfigReader cache = r.section("iova_cache");
  c.magazine = unsigned(cache.integer("magazine", c.magazine, 0, 1 << 16));
  c.depot = unsigned(cache.integer("depot", c.depot, 0, 1 << 16));
  ConfigReader fq = r.section("flush_queue");
  c.fq_size = unsigned(fq.integer("size", c.fq_size, 1, 1 << 20));
  c.fq_timeout = fq.time_ps("timeout", c.fq_timeout);
  if (c.fq_timeout == 0) fq.fail("timeout", "expected a time above 0");
  ConfigReader cost = r.section("cost");
  c.cost.map = cost.time_ps("map", c.cost.map);
  c.cost.unmap = cost.time_ps("unmap", c.cost.unmap);
  c.cost.iova_cpu = cost.time_ps("iova_cpu", c.cost.iova_cpu);
  c.cost.iova_depot = cost.time_ps("iova_depot", c.cost.iova_depot);
  c.cost.iova_tree = cost.time_ps("iova_tree", c.cost.iova_tree);
  return c;
}

void AsyncLock::unlock() {
  if (waiters_.empty()) {
    held_ = false;
    return;
  }
  const std::coroutine_handle<> h = waiters_.front();
  waiters_.pop_front();  // the lock passes to it, still held
  d_.schedule(d_.now(), Rank::Host, &ResumeTarget::instance(),
              reinterpret_cast<uint64_t>(h.address()));
}

DmaApi::DmaApi(IommuDriver& drv, Domain& domain, const DmaApiConfig& c, StatsRegistry& stats,
               const std::string& p)
    : drv_(drv),
      domain_(domain),
      c_(c),
      iovas_(c.iova_base, c.iova_length, c.cpus, c.magazine, c.depot),
      inv_lock_(drv.env().dispatcher),
      fq_(c.cpus),
      maps_(stats.counter(p + ".maps", "count", "dma_map calls that mapped a page")),
      unmaps_(stats.counter(p + ".unmaps", "count", "dma_unmap calls")),
      exhausted_(stats.counter(p + ".iova_exhausted", "count", "maps refused: no free IOVA")),
      iova_cpu_(stats.counter(p + ".iova.cpu", "count",
                              "IOVA allocations and frees served by the CPU's magazines")),
      iova_depot_(stats.counter(p + ".iova.depot", "count",
                                "IOVA allocations and frees that moved a magazine (depot lock)")),
      iova_tree_(stats.counter(p + ".iova.tree", "count",
                               "IOVA allocations and frees that went to the tree (its lock)")),
      syncs_(stats.counter(p + ".syncs", "count", "IOTLB invalidations submitted and waited for")),
      fq_full_(stats.counter(p + ".flush_queue.full_flushes", "count",
                             "flush-queue flushes because a CPU's queue filled")),
      fq_timer_(stats.counter(p + ".flush_queue.timer_flushes", "count",
                              "flush-queue flushes by the timer")),
      inv_lock_wait_(stats.counter(p + ".inv_lock_wait_ns", "ns",
                                   "CPU time spent waiting for the invalidation queue's lock")),
      map_ns_(stats.histogram(p + ".map_ns", "ns", "CPU time per dma_map, IOVA included")),
      unmap_ns_(stats.histogram(p + ".unmap_ns", "ns",
                                "CPU time per dma_unmap, its share of flushes included")),
      stale_ns_(stats.histogram(p + ".stale_window_ns", "ns",
                                "from an unmap's PTE clear to its invalidation's completion")) {}

DmaApi::~DmaApi() = default;

uint64_t DmaApi::queued() const {
  uint64_t n = 0;
  for (const auto& q : fq_) n += q.size();
  return n;
}

Task<> DmaApi::iova_charge(IovaMagazines::Source from, uint64_t tree_ops) {
  HostCpu& cpu = drv_.cpu();
  if (from == IovaMagazines::Source::Cpu) {
    ++iova_cpu_;
    co_await cpu.charge(c_.cost.iova_cpu);
    co_return;
  }
  // The depot and the tree: one lock, held for the operation (the CPU spins for it).
  const bool depot = from == IovaMagazines::Source::Depot;
  ++(depot ? iova_depot_ : iova_tree_);
  const Ps hold = depot ? c_.cost.iova_depot : c_.cost.iova_tree * std::max<uint64_t>(1, tree_ops);
  if (cpu.free()) co_return;
  const Ps start = std::max(cpu.now(), tree_free_at_);
  tree_free_at_ = start + hold;
  co_await SleepUntil{drv_.env().dispatcher, start + hold, Rank::Host};
}

Task<uint64_t> DmaApi::map(unsigned cpu, uint64_t pa) {
  const Ps t0 = drv_.cpu().now();
  uint64_t iova = 0;
  IovaMagazines::Source from;
  const bool ok = iovas_.alloc(cpu, iova, from);
  co_await iova_charge(from, iovas_.tree_ops());
  if (!ok) {
    ++exhausted_;
    co_return 0;
  }
  const uint64_t page = pa & ~uint64_t(4095);
  co_await drv_.map(
      domain_, iova, 4096,
      [page](uint64_t) {
        return std::pair<uint64_t, uint64_t>{page, 4096};
      },
      true, true, false);
  co_await drv_.cpu().charge(c_.cost.map);
  ++maps_;
  if (!drv_.cpu().free()) map_ns_.add((drv_.cpu().now() - t0) / kNs);  // not the driver's open
  co_return iova | (pa & 4095);
}

Task<> DmaApi::invalidate(uint64_t start, uint64_t end) {
  const Ps t = drv_.cpu().now();
  co_await inv_lock_.lock();
  inv_lock_wait_ += (drv_.cpu().now() - t) / kNs;
  co_await drv_.invalidate(domain_, start, end);
  ++syncs_;
  inv_lock_.unlock();
}

void DmaApi::stale(const std::vector<Queued>& done) {
  const Ps now = drv_.cpu().now();
  for (const Queued& q : done) stale_ns_.add((now - q.cleared) / kNs);
}

Task<> DmaApi::unmap(unsigned cpu, uint64_t addr) {
  const Ps t0 = drv_.cpu().now();
  const uint64_t iova = addr & ~uint64_t(4095);
  ++unmaps_;
  co_await drv_.unmap(domain_, iova, 4096, false);
  co_await drv_.cpu().charge(c_.cost.unmap);
  const Queued q{iova, drv_.cpu().now()};
  if (c_.mode != DmaApiMode::Lazy) {
    co_await invalidate(iova, iova + 4096);
    const std::vector<Queued> done(1, q);  // (named: g++ 12 rejects braced lists here)
    stale(done);
    const IovaMagazines::Source from = iovas_.free(cpu, iova);
    co_await iova_charge(from, iovas_.tree_ops());
  } else {
    fq_[cpu].push_back(q);
    if (fq_[cpu].size() >= c_.fq_size) {
      const std::vector<unsigned> mine(1, cpu);
      co_await flush(mine, false);
    } else if (!timer_armed_) {
      timer_armed_ = true;
      std::erase_if(timers_, [](const Fiber& f) { return f.done(); });
      timers_.push_back(
          Fiber::start(timer(drv_.cpu().now() + c_.fq_timeout), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
          }));
    }
  }
  unmap_ns_.add((drv_.cpu().now() - t0) / kNs);
}

Task<> DmaApi::flush(const std::vector<unsigned>& cpus, bool by_timer) {
  // What is queued now is what this flush covers; later entries wait for the next.
  std::vector<std::pair<unsigned, std::vector<Queued>>> taken;
  for (unsigned c : cpus) {
    if (fq_[c].empty()) continue;
    taken.push_back({c, std::move(fq_[c])});
    fq_[c].clear();
  }
  if (taken.empty()) co_return;
  ++(by_timer ? fq_timer_ : fq_full_);
  co_await invalidate(0, 0);
  for (auto& [c, entries] : taken) {
    stale(entries);
    // The IOVAs go back to the caches of the CPU whose queue held them.
    for (const Queued& q : entries) {
      const IovaMagazines::Source from = iovas_.free(c, q.iova);
      co_await iova_charge(from, iovas_.tree_ops());
    }
  }
}

Task<> DmaApi::timer(Ps at) {
  co_await SleepUntil{drv_.env().dispatcher, at, Rank::Timer};
  timer_armed_ = false;
  std::vector<unsigned> all(c_.cpus);
  for (unsigned c = 0; c < c_.cpus; ++c) all[c] = c;
  co_await flush(all, true);
}

}  // namespace sim
