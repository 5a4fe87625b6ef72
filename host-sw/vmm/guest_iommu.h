#pragma once
// A guest's IOMMU driver in simulated time (plain C++, like the host): it owns a
// stage-1 table in VT-d first-stage format in guest memory, written through the VMM's
// memory (guest CPU writes: the oracle counts them and the migration's CPU dirty log
// reports them, as KVM's would), maps and unmaps its IOVAs as a DMA-API user, and
// invalidates through its vIOMMU (Host::hwpt_invalidate after a trap to the VMM) on
// every unmap (strict) or from a flush queue (lazy: a full queue or its timer flushes
// everything, as Linux's IOVA flush queue).
#include <memory>
#include <vector>

#include "host-sw/vmm/guest_config.h"
#include "iommu/vtd_fs_format.h"
#include "models/sim/task.h"

namespace sim {

class Host;

class GuestIommu {
 public:
  GuestIommu(Host& host, const GuestConfig& c);
  // Builds the table and maps every buffer (at start), then runs the pattern.
  Task<> run();
  // The guest physical address `iova` maps to now (nullopt: unmapped), from its table.
  std::optional<uint64_t> lookup(uint64_t iova) const;

 private:
  std::optional<uint64_t> hpa(uint64_t gpa) const;  // through the parent's IOAS
  void write_entry(uint64_t gpa, uint64_t value);   // a guest CPU write
  uint64_t read_entry(uint64_t gpa) const;
  uint64_t alloc_table();
  void map_leaf(uint64_t iova, uint64_t gpa);
  Task<> invalidate(uint64_t iova, uint64_t npages);  // the trap and HWPT_INVALIDATE
  Task<> flush_queue();
  Task<> timer(uint64_t gen, Ps at);

  Host& host_;
  GuestConfig c_;
  VtdFsFormat fmt_{4};
  uint64_t next_table_ = 0;
  uint64_t queued_ = 0, fq_gen_ = 0, timer_gen_ = UINT64_MAX;
  std::vector<Fiber> timers_;
  uint64_t& maps_;
  uint64_t& invalidations_;
  uint64_t& flushes_;
  uint64_t& trap_ns_;
};

}  // namespace sim
