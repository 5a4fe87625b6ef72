#pragma once
// The kernel's driver for our VT-d-like IOMMU: page tables written through memory in
// the IOMMU's format, context entries, and invalidations submitted through the
// queue and waited for. It is what iommufd calls; it knows nothing of IOASes.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "host-sw/flush_policy.h"
#include "host-sw/hardware_info.h"
#include "host-sw/host_accounts.h"
#include "host-sw/host_cpu.h"
#include "host-sw/phys_allocator.h"
#include "iommu/page_table_format.h"

namespace sim {

// What a deferred flush policy cleared and has not flushed yet. Flushes are numbered:
// leaves queued now are covered by flush `gen`, done once `covered` exceeds it.
struct DeferredQueue {
  Gather pending;
  uint64_t gen = 0, covered = 0;
  uint64_t timer_gen = UINT64_MAX;  // the flush a timer is armed for
  bool ats_inv = true;              // the policy's: device TLBs too
};

struct Domain {
  uint16_t did = 0;
  uint64_t root = 0;
  bool dirty_tracking = false;
  uint64_t mapped = 0;  // bytes mapped (what a domain invalidation covers)
  std::vector<uint16_t> devices;
  DeferredQueue deferred;
};

// The physical side of what is being mapped: for a byte offset, its physical
// address and how many bytes from there are physically contiguous.
using Backing = std::function<std::pair<uint64_t, uint64_t>(uint64_t offset)>;

struct HarvestCounts {
  uint64_t ptes = 0, dirty = 0, tables = 0;
};

class IommuDriver {
 public:
  IommuDriver(HostEnv& env, HostCpu& cpu, PhysAllocator& phys);

  void boot();  // root table, invalidation queue, translation on (MMIO at now)
  Domain* domain_alloc();
  // Frees an unmapped, detached domain's page-table pages and forgets it.
  void domain_free(Domain* d);
  uint64_t table_pages() const { return pt_tables_; }  // pages holding IO page tables
  Task<> map(Domain& d, uint64_t iova, uint64_t length, Backing backing, bool r, bool w, bool huge);
  Task<> unmap(Domain& d, uint64_t iova, uint64_t length);
  Task<> attach(Domain& d, uint16_t bdf);
  Task<> detach(Domain& d, uint16_t bdf);
  Task<> set_dirty_tracking(Domain& d, bool on, bool flush_iotlb = true);
  // Test-and-clears (or only reads) D over [iova, iova+length), one leaf table per
  // atomic step; each dirty leaf is recorded at its leaf size from the walk position.
  Task<HarvestCounts> read_and_clear_dirty(Domain& d, uint64_t iova, uint64_t length, bool no_clear,
                                           const std::function<void(uint64_t, uint64_t)>& record);
  // Invalidates what `g` cleared as the policy says; a deferred policy queues it (and
  // flushes the queue once it holds `batch` leaves, or arms its timer). Returns the
  // deferred flush number covering `g` (see DeferredQueue).
  Task<uint64_t> flush(Domain& d, const Gather& g, const FlushPolicy& policy);
  // Submits descriptors in batches (`batch` per wait, 0: the hardware's), each ended
  // by a wait that is polled (unless `poll` is false: a negative control returning
  // before the sync completed).
  Task<> submit(const std::vector<InvDescriptor>& descs, bool poll = true, unsigned batch = 0);
  const PageTableFormat& format() const { return *format_; }
  HostEnv& env() const { return env_; }
  HostCpu& cpu() const { return cpu_; }
  HostAccounts& accounts() { return acc_; }
  const HostAccounts& accounts() const { return acc_; }
  // The leaf PTE covering iova and its level, or {0, 0} when not mapped.
  std::pair<uint64_t, unsigned> find_leaf(const Domain& d, uint64_t iova) const;

 private:
  uint64_t alloc_table();
  void free_table(uint64_t pa);
  bool table_empty(uint64_t pa) const;
  // Unhooks the tables below `table` (of `level`, mapping from `base`) that
  // [start, end) covers whole, into `freed`.
  void prune(uint64_t table, unsigned level, uint64_t base, uint64_t start, uint64_t end,
             std::vector<uint64_t>& freed);
  // The slot for iova at `level`, creating tables on the way.
  uint64_t slot(Domain& d, uint64_t iova, unsigned level);
  void write_context(uint16_t bdf, const Domain* d);
  Task<> submit_batch(const InvDescriptor* descs, size_t n, bool poll);
  void account(const InvDescriptor& desc);
  bool ats(uint16_t bdf) const;  // the device has ATS enabled
  InvCaps caps() const { return {env_.hw.max_order, env_.hw.encoding}; }
  // Appends, for each IOTLB invalidation, the same range for every ATS device of the
  // domain: their caches hold translations too.
  void add_device_tlb(const Domain& d, std::vector<InvDescriptor>& descs) const;
  // What a harvest's flush covers (other invalidations are not the policy's cost).
  void account_covered(const std::vector<InvDescriptor>& descs);
  Task<> flush_deferred(Domain& d, bool by_timer);
  // A kernel timer on another CPU: flushes the queue if flush `gen` is still pending.
  Task<> deferred_timer(Domain& d, uint64_t gen, Ps at);

  HostEnv& env_;
  HostCpu& cpu_;
  PhysAllocator& phys_;
  std::unique_ptr<PageTableFormat> format_;
  std::vector<std::unique_ptr<Domain>> domains_;
  uint64_t root_table_ = 0;
  uint64_t queue_ = 0, queue_slots_ = 256, tail_ = 0;
  uint64_t status_addr_ = 0;
  uint64_t fault_log_ = 0;
  uint32_t status_seq_ = 0;
  uint16_t next_did_ = 1;
  uint64_t pt_tables_ = 0;
  std::vector<Fiber> timers_;
  uint64_t leaves_[4] = {};  // by level: 4 KiB, 2 MiB, 1 GiB
  HostAccounts acc_;
  uint64_t& descriptors_;
  uint64_t& waits_;
  uint64_t& deferred_full_;
  uint64_t& deferred_timer_;
};

}  // namespace sim
