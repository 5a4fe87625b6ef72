#pragma once
// The kernel's streaming DMA API over our IOMMU (after Linux's iommu-dma): a driver
// maps a buffer for the device before each transfer (dma_map_single: an IOVA from the
// allocator's per-CPU caches, a PTE written) and unmaps it after (the PTE cleared,
// then either `strict`: an IOTLB invalidation and its wait before the call returns,
// or `lazy`: the IOVA joins the CPU's flush queue, which is flushed (one domain
// invalidation and wait, then its IOVAs freed) when it holds `flush_queue.size`
// entries or `flush_queue.timeout` after a queue first got one. Until its flush, an
// unmapped IOVA still translates from the IOTLB: the stale window, measured per
// unmap from the PTE's clear to its invalidation's completion.
// Every call charges the CPU it runs on; the invalidation queue is one lock (held
// until the wait completes, as VT-d's queued invalidation is), the IOVA tree another.
// The class knows no device: a NIC's receive path (dma_api_rx.h) and a guest's driver
// use it alike.
#include <coroutine>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "host-sw/driver/iommu_driver.h"
#include "host-sw/driver/iova_magazines.h"
#include "models/config/named_values.h"
#include "models/report/stats.h"

namespace sim {

class ConfigReader;

enum class DmaApiMode { Static, Strict, Lazy };
const NamedValues<DmaApiMode>& dma_api_modes();  // static | strict | lazy

struct DmaApiCost {
  // Beyond the driver's own PTE charges (host.cost.table_visit + pte_write): together
  // they give Linux's iommu_map / iommu_unmap of one 4 KiB page, 65-71 and 76-77 ns
  // (iommupt kunit figures, 2025), invalidation excluded.
  Ps map = 45 * kNs, unmap = 55 * kNs;
  Ps iova_cpu = 15 * kNs;    // an IOVA from or to the CPU's magazines (estimate)
  Ps iova_depot = 40 * kNs;  // a magazine moved to or from the depot, under its lock (estimate)
  Ps iova_tree = 250 * kNs;  // one IOVA inserted or removed in the tree, under its lock (estimate)
};

struct DmaApiConfig {
  DmaApiMode mode = DmaApiMode::Strict;
  unsigned cpus = 1;
  uint64_t iova_base = 1ull << 32, iova_length = 1ull << 30;  // the window IOVAs come from
  unsigned magazine = 128, depot = 32;                        // 0: no per-CPU caches
  unsigned fq_size = 256;                                     // Linux's per-CPU flush queue...
  Ps fq_timeout = 10 * kMs;                                   // ...and its timer
  DmaApiCost cost;
};

// Reads mode, cpus, iova {base, length}, iova_cache {magazine, depot}, flush_queue
// {size, timeout} and cost {map, unmap, iova_cpu, iova_depot, iova_tree}.
DmaApiConfig load_dma_api_config(ConfigReader& r);

// A lock host coroutines queue for in FIFO order (a spinning CPU does nothing else).
class AsyncLock {
 public:
  explicit AsyncLock(Dispatcher& d) : d_(d) {}
  struct Acquire {
    AsyncLock& l;
    bool await_ready() {
      if (l.held_) return false;
      l.held_ = true;
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) { l.waiters_.push_back(h); }
    void await_resume() const noexcept {}
  };
  Acquire lock() { return Acquire{*this}; }
  void unlock();  // hands the lock to the first waiter, resumed now

 private:
  Dispatcher& d_;
  bool held_ = false;
  std::deque<std::coroutine_handle<>> waiters_;
};

class DmaApi {
 public:
  // Maps into `domain` (its device attached) through `drv`; statistics under `prefix`.
  DmaApi(IommuDriver& drv, Domain& domain, const DmaApiConfig& c, StatsRegistry& stats,
         const std::string& prefix);
  ~DmaApi();
  const DmaApiConfig& config() const { return c_; }
  // dma_map_single of the page holding `pa`, on `cpu`: the device address (IOVA plus
  // pa's offset in its page); 0 when the IOVA window is exhausted.
  Task<uint64_t> map(unsigned cpu, uint64_t pa);
  // dma_unmap_single of what map returned, on `cpu`.
  Task<> unmap(unsigned cpu, uint64_t addr);
  uint64_t iovas_in_use() const { return iovas_.in_use(); }
  uint64_t queued() const;  // unmapped IOVAs waiting in flush queues

 private:
  struct Queued {
    uint64_t iova;
    Ps cleared;
  };
  Task<> iova_charge(IovaMagazines::Source from, uint64_t tree_ops);
  // Invalidates [start, end) (the whole domain when equal) under the queue's lock.
  Task<> invalidate(uint64_t start, uint64_t end);
  // Flushes the CPUs' queues (one, or every one from the timer): what is queued when
  // it starts is invalidated with one domain invalidation, then its IOVAs are freed.
  Task<> flush(const std::vector<unsigned>& cpus, bool by_timer);
  Task<> timer(Ps at);
  void stale(const std::vector<Queued>& done);

  IommuDriver& drv_;
  Domain& domain_;
  DmaApiConfig c_;
  IovaMagazines iovas_;
  AsyncLock inv_lock_;
  Ps tree_free_at_ = 0;  // the IOVA tree's lock: when it is next free
  std::vector<std::vector<Queued>> fq_;
  bool timer_armed_ = false;
  std::vector<Fiber> timers_;

  uint64_t& maps_;
  uint64_t& unmaps_;
  uint64_t& exhausted_;
  uint64_t& iova_cpu_;
  uint64_t& iova_depot_;
  uint64_t& iova_tree_;
  uint64_t& syncs_;
  uint64_t& fq_full_;
  uint64_t& fq_timer_;
  uint64_t& inv_lock_wait_;
  Histogram& map_ns_;
  Histogram& unmap_ns_;
  Histogram& stale_ns_;
};

}  // namespace sim
