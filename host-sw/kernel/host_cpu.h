#pragma once
// The host CPU: the clock host software runs on. Each charge is a dispatcher event,
// so a long kernel operation is a sequence of small atomic steps in simulated time.
// Set-up before time 0 runs with every charge free.
#include <coroutine>
#include <cstdint>
#include <vector>

#include "models/memory/sparse_memory.h"
#include "models/sim/task.h"

namespace sim {

// host.cost: what host operations take (defaults after Linux measurements).
struct HostCost {
  Ps pte_write = 1 * kNs;     // writing one PTE in bulk
  Ps pte_scan = 1 * kNs;      // reading one PTE during a harvest
  Ps pte_clear = 15 * kNs;    // one atomic test-and-clear of a dirty PTE
  Ps table_visit = 20 * kNs;  // finding a leaf table
  Ps bitmap_write = 2 * kNs;  // one bitmap byte
  Ps descriptor = 20 * kNs;   // writing one invalidation descriptor
  Ps mmio = 100 * kNs;        // an uncached register write
  Ps poll = 100 * kNs;        // interval between status polls
  Ps syscall = 500 * kNs;     // entering and leaving an ioctl
  Ps pin_page = 50 * kNs;     // pin_user_pages per 4 KiB page (estimate)
};

class HostCpu {
 public:
  HostCpu(Dispatcher& d, const HostCost& cost) : d_(d), cost_(cost) {}
  ~HostCpu() {
    if (watched_) watched_->on_write32 = nullptr;
  }
  HostCpu(const HostCpu&) = delete;
  HostCpu& operator=(const HostCpu&) = delete;

  Ps now() const { return d_.now(); }
  const HostCost& cost() const { return cost_; }
  void set_free(bool free) { free_ = free; }
  bool free() const { return free_; }
  // Spends `ps` of CPU time (nothing while free), yielding to other events.
  SleepUntil charge(Ps ps) { return SleepUntil{d_, d_.now() + (free_ ? 0 : ps), Rank::Host}; }
  // Polls a 32-bit sequence word until it reaches `value`: resumes at the first poll
  // after the write. Analytic: one event at that poll, not one per poll (`mem` tells
  // this CPU of its word writes).
  Task<> wait_word(SparseMemory& mem, uint64_t addr, uint32_t value);
  uint64_t polls() const { return polls_; }

 private:
  struct Poller {
    uint64_t addr;
    uint32_t value;
    Ps start;  // the first poll (which missed)
    std::coroutine_handle<> h;
  };
  struct PollUntilWritten;
  // A word was written: each poller it satisfies resumes at its next poll tick.
  void written(const SparseMemory& mem, uint64_t addr);

  Dispatcher& d_;
  HostCost cost_;
  bool free_ = false;
  uint64_t polls_ = 0;
  std::vector<Poller> pollers_;
  SparseMemory* watched_ = nullptr;  // whose word writes this CPU hears
};

}  // namespace sim
