#pragma once
// The kernel's driver for our VT-d-like IOMMU: page tables written through memory in
// the IOMMU's format, context entries, and invalidations submitted through the
// queue and waited for. It is what iommufd calls; it knows nothing of IOASes.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/driver/hardware_info.h"
#include "host-sw/driver/nested_domain.h"
#include "host-sw/kernel/errno.h"
#include "host-sw/kernel/fail_nth.h"
#include "host-sw/kernel/host_accounts.h"
#include "host-sw/kernel/host_cpu.h"
#include "host-sw/kernel/phys_allocator.h"
#include "iommu/fault_log.h"
#include "iommu/page_table_format.h"
#include "models/base/requester.h"

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
  bool dirty_capable = false;  // allocated for dirty tracking (Arm: DBM on writable leaves)
  uint64_t mapped = 0;         // bytes mapped (what a domain invalidation covers)
  std::vector<uint16_t> devices;
  DeferredQueue deferred;
  // Nesting (driver_nested.cpp): a nesting parent is a paging domain nested domains sit
  // on (their stage 2); a nested domain has no tables of its own, its stage 1 is the
  // guest's and `devices` of its parent include its devices.
  bool nest_parent = false;
  Domain* parent = nullptr;
  NestedS1 s1;
  // Huge leaves split for tracking (driver_split.cpp): their IOVA and original size
  // (log2), merged back when tracking stops.
  std::map<uint64_t, unsigned> split;
};

// What a split or merge did (driver_split.cpp).
struct SplitCounts {
  uint64_t leaves = 0;       // huge leaves split, or merged back
  uint64_t tables = 0;       // leaf tables written (split) or freed (merge)
  uint64_t ptes = 0;         // PTEs written
  uint64_t descriptors = 0;  // invalidation descriptors submitted
  uint64_t skipped = 0;      // merge: split leaves no longer whole (part unmapped)
  Ps cpu = 0;                // host CPU time, invalidation wait included
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
  // nullptr when its allocation fails (a failure point).
  Domain* domain_alloc(bool dirty_capable = false);
  // A nested domain over `parent`, on the guest's stage-1 table (driver_nested.cpp).
  Domain* domain_alloc_nested(Domain& parent, const NestedS1& s1);
  // Whether the device's unit can run nested domain `d` (intel_pasid_setup_nested's
  // checks): EINVAL for a 5-level stage 1 the unit cannot walk; EINVAL for a parent
  // that tracks dirty pages on a unit that cannot.
  Errno nested_attach_check(const Domain& d, unsigned unit) const;
  // A guest's invalidation requests on nested domain `d` as stage-1 (PASID-based
  // IOTLB) descriptors for each of its attachments, plus device-TLB ones for its ATS
  // devices; `done` counts the requests handled before the first refused one
  // (EOPNOTSUPP for unknown flags, EINVAL for a misaligned address or "all" pages from
  // a non-zero address), as intel_nested_cache_invalidate_user.
  Task<Errno> cache_invalidate_user(Domain& d, const std::vector<S1Invalidation>& reqs,
                                    uint32_t& done);
  // The guest's invalidation requests handled so far, their descriptors and the time
  // from submit to the wait's completion.
  struct NestedCounts {
    uint64_t requests = 0, descriptors = 0;
    Ps time = 0;
  };
  const NestedCounts& nested_counts() const { return nested_; }
  // The fault records every unit appended to its fault log since the last call, unit
  // by unit, oldest first, each with its unit's index; the logs are then emptied
  // (driver_faults.cpp).
  std::vector<std::pair<unsigned, FaultRecord>> drain_fault_logs();
  // Frees an unmapped, detached domain's page-table pages and forgets it.
  void domain_free(Domain* d);
  uint64_t table_pages() const { return pt_tables_; }  // pages holding IO page tables
  // ENOMEM when a page-table page cannot be had (a failure point at each new table);
  // what this call mapped is unmapped again first, as iommu_map does.
  Task<Errno> map(Domain& d, uint64_t iova, uint64_t length, Backing backing, bool r, bool w,
                  bool huge);
  // Clears the range's leaves and, unless `sync` is false (the DMA API, which
  // invalidates on its own terms: dma_api.cpp), invalidates it and frees the tables
  // it covered whole; without the sync no table is freed.
  Task<> unmap(Domain& d, uint64_t iova, uint64_t length, bool sync = true);
  // An invalidation of [start, end) of `d` (the whole domain when start == end) with
  // its device TLBs, submitted with a polled wait.
  Task<> invalidate(Domain& d, uint64_t start, uint64_t end);
  // Attaches the device's requests without a PASID (kNoPasid), or those with `pasid`:
  // the first PASID (or a nested domain) puts the device's context in PASID mode (a
  // PASID directory sized by the device's PASID width, RID_PASID for requests without
  // one); a PASID table is added the first time one of its 64 PASIDs is attached.
  Task<> attach(Domain& d, uint16_t bdf, uint32_t pasid = kNoPasid);
  // Allocates ahead what attach(d, bdf, pasid) will write into (`nested`: d is nested):
  // the directory and PASID tables still missing, a failure point each; ENOMEM frees
  // what this call allocated (driver_pasid.cpp). attach allocates the rest itself.
  Errno prepare_pasid_tables(uint16_t bdf, uint32_t pasid, bool nested);
  Task<> detach(Domain& d, uint16_t bdf, uint32_t pasid = kNoPasid);
  // Switches what the device's requests (or one PASID's) translate with from `from`
  // to `to` in one entry write, with no moment untranslated (driver_replace.cpp).
  Task<> replace(Domain& from, Domain& to, uint16_t bdf, uint32_t pasid = kNoPasid);
  Task<> set_dirty_tracking(Domain& d, bool on, bool flush_iotlb = true);
  // Test-and-clears (or only reads) D over [iova, iova+length), one leaf table per
  // atomic step; a leaf is dirty if any of its replicas is (AMD v1), all are cleared,
  // and it is recorded at its size from the walk position.
  Task<HarvestCounts> read_and_clear_dirty(Domain& d, uint64_t iova, uint64_t length, bool no_clear,
                                           const std::function<void(uint64_t, uint64_t)>& record);
  // Before tracking stops: a leaf writable only while tracking (Arm writable-clean)
  // becomes writable-dirty, or it would turn read-only (nothing for other formats).
  Task<> make_writable_dirty(Domain& d, uint64_t iova, uint64_t length);
  // Invalidates what `g` cleared as the policy says; a deferred policy queues it (and
  // flushes the queue once it holds `batch` leaves, or arms its timer). Returns the
  // deferred flush number covering `g` (see DeferredQueue).
  Task<uint64_t> flush(Domain& d, const Gather& g, const FlushPolicy& policy);
  // Submits descriptors for domain `d` in batches (`batch` per wait, 0: the
  // hardware's), each ended by a wait that is polled (unless `poll` is false: a
  // negative control returning before the sync completed). A domain spanning several
  // IOMMU units gets its batches and waits on each unit in turn: IOTLB descriptors go
  // to every unit, context and device-TLB ones to their device's.
  Task<> submit(const Domain& d, const std::vector<InvDescriptor>& descs, bool poll = true,
                unsigned batch = 0);
  // Splits every leaf larger than 2^shift bytes in [iova, iova+length) into leaves of
  // 2^shift (a level span: 4 KiB or 2 MiB) mapping the same pages with the same rights,
  // each one dirty when the huge leaf was; each huge leaf is replaced by one atomic
  // table-pointer write, then one wait invalidates what the IOTLB held of them. The
  // domain remembers them for merge_leaves (driver_split.cpp).
  Task<SplitCounts> split_leaves(Domain& d, uint64_t iova, uint64_t length, unsigned shift);
  // Merges the leaves split_leaves made in [iova, iova+length) back into their huge
  // leaf (dirty when any piece is) where every piece is still mapped contiguously with
  // the same rights; unhooked tables are freed after the invalidation's wait.
  Task<SplitCounts> merge_leaves(Domain& d, uint64_t iova, uint64_t length);
  // The host.split.* statistics (only in runs that split).
  void enable_split_stats();
  const PageTableFormat& format() const { return *format_; }
  HostEnv& env() const { return env_; }
  HostCpu& cpu() const { return cpu_; }
  HostAccounts& accounts() { return acc_; }
  const HostAccounts& accounts() const { return acc_; }
  // The kernel's fault injection: every failure point of the host software asks it.
  FailNth& fail_nth() const { return fail_; }
  // Every leaf entry of the domain's page table: (IOVA, entry) in IOVA order (replicas
  // one by one), without the A/D bits (fault injection's before/after comparison).
  std::vector<std::pair<uint64_t, uint64_t>> leaf_entries(const Domain& d) const;
  // The leaf PTE covering iova and its level, or {0, 0} when not mapped.
  std::pair<uint64_t, unsigned> find_leaf(const Domain& d, uint64_t iova) const;

 private:
  // One IOMMU unit as the driver sees it: its registers, tables and queue.
  struct Unit {
    HardwareInfo::Unit hw;
    uint64_t root_table = 0, queue = 0, status_addr = 0, fault_log = 0;
    uint64_t tail = 0;
    uint32_t status_seq = 0;
  };
  uint64_t alloc_table();
  void leaf_entries_in(uint64_t table, unsigned level, uint64_t base,
                       std::vector<std::pair<uint64_t, uint64_t>>& out) const;
  Unit& unit_of(uint16_t bdf);
  // The units the domain's devices sit behind, in unit order (unit 0 when none).
  std::vector<unsigned> units_of(const Domain& d) const;
  Task<> submit_unit(Unit& u, const std::vector<InvDescriptor>& descs, bool poll, unsigned batch);
  // A leaf as the driver sees it: its first replica (0: not mapped), level, size, and
  // how many consecutive entries it occupies.
  struct Leaf {
    uint64_t first;
    unsigned level, shift;
    uint64_t entries;
  };
  Leaf leaf_at(const Domain& d, uint64_t iova) const;
  // The tables a harvest is reading, each by a backdoor pointer: the level-2 table of
  // the 1 GiB block block2 and the level-1 table of the 2 MiB block block1. Valid while
  // `gen` is the driver's tables_gen_ (no table hooked or unhooked since).
  struct LeafCursor {
    uint64_t gen = UINT64_MAX;
    uint64_t block2 = UINT64_MAX, pa2 = 0;
    uint64_t* t2 = nullptr;
    uint64_t block1 = UINT64_MAX, pa1 = 0;
    uint64_t* t1 = nullptr;
  };
  // As leaf_at, from the cursor's tables where it can (one walk per table otherwise).
  Leaf leaf_near(const Domain& d, uint64_t iova, LeafCursor& c) const;
  // iova's leaf read from its level-1 table (`table`: its bytes through the backdoor).
  Leaf leaf_in(const uint64_t* table, uint64_t table_pa, uint64_t iova) const;
  void free_table(uint64_t pa);
  bool table_empty(uint64_t pa) const;
  // Unhooks the tables below `table` (of `level`, mapping from `base`) that
  // [start, end) covers whole, into `freed`.
  void prune(uint64_t table, unsigned level, uint64_t base, uint64_t start, uint64_t end,
             std::vector<uint64_t>& freed);
  // The slot for iova at `level`, creating tables on the way; 0 when a new table's
  // allocation fails (tables created before it stay, empty, as in the kernel).
  uint64_t slot(Domain& d, uint64_t iova, unsigned level);
  // What a device's requests translate with: without a PASID, and per PASID.
  struct DeviceAttach {
    Domain* rid = nullptr;
    std::map<uint32_t, Domain*> pasids;
    uint64_t pasid_dir = 0;  // the context is in PASID mode once it has one
    uint64_t dir_bytes = 0;
    uint8_t pdts = 0;                           // the directory's size field
    std::map<uint32_t, uint64_t> pasid_tables;  // directory index -> its PASID table
    bool context_pasid = false;                 // the context entry written points at it
  };
  // Allocates `a`'s directory and the PASID tables of RID_PASID and `pasid` that it
  // lacks (driver_pasid.cpp); `may_fail`: each is a failure point, and on one the
  // call's allocations are freed and false returned.
  bool ensure_pasid_tables(DeviceAttach& a, uint16_t bdf, uint32_t pasid, bool may_fail);
  // The address of (bdf's) `pasid` entry in its PASID table.
  static uint64_t pasid_slot(const DeviceAttach& a, uint32_t pasid);
  // A nested domain's PASID entry halves (driver_nested.cpp).
  std::pair<uint64_t, uint64_t> nested_entry(const Domain& d, uint8_t aw) const;
  std::pair<uint64_t, uint64_t> nesting_half(const Domain& d) const;
  // Stage-1 invalidation of [addr, addr + npages pages) (kAll: everything) for each
  // attachment of nested domain `d`, and the device TLBs of its ATS devices.
  std::vector<InvDescriptor> s1_invalidation(const Domain& d, uint64_t addr, uint64_t npages,
                                             bool leaf) const;
  // The PASIDs (RID_PASID for requests without one) of (bdf) attached to `d`.
  std::vector<std::pair<uint16_t, uint32_t>> attachments_of(const Domain& d) const;
  // Writes the device's context entry (and PASID entries) from its attachments.
  void write_context(uint16_t bdf);
  // The context-cache or PASID-cache invalidation that makes a change to the entry
  // of (bdf, pasid) for domain `did` visible.
  InvDescriptor entry_invalidation(uint16_t did, uint16_t bdf, uint32_t pasid) const;
  Task<> submit_batch(Unit& u, const InvDescriptor* descs, size_t n, bool poll);
  void account(const InvDescriptor& desc);
  bool ats(uint16_t bdf) const;  // the device has ATS enabled
  // What every unit takes (descriptors are built once per domain).
  InvCaps caps() const { return caps_; }
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
  std::map<uint16_t, DeviceAttach> attach_;
  std::vector<Unit> units_;
  InvCaps caps_;
  static constexpr uint64_t kQueueSlots = 256;  // QS=0: one page
  uint16_t next_did_ = 1;
  uint64_t pt_tables_ = 0;
  uint64_t tables_gen_ = 0;  // bumped whenever a table is hooked or unhooked
  std::vector<Fiber> timers_;
  uint64_t leaves_[4] = {};  // by level: 4 KiB, 2 MiB, 1 GiB
  HostAccounts acc_;
  NestedCounts nested_;
  mutable FailNth fail_;  // the task's fail-nth: reached from const readers too
  // The split's pieces (driver_split.cpp).
  uint64_t build_split(uint64_t pa, unsigned level, unsigned leaf_level, LeafPerm perm, bool dirty,
                       SplitCounts& n);
  bool merge_check(uint64_t table, unsigned level, uint64_t pa, const Pte& want, bool& dirty,
                   std::vector<uint64_t>& tables, uint64_t (&pieces)[4]) const;
  void count_split(const SplitCounts& n, bool merge);
  // host.split.*: leaves split, merged, skipped, tables, PTEs, descriptors, CPU ns
  // (empty until enable_split_stats).
  std::vector<uint64_t*> split_stats_;
  uint64_t& descriptors_;
  uint64_t& waits_;
  uint64_t& deferred_full_;
  uint64_t& deferred_timer_;
};

}  // namespace sim
