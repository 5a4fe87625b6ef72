#pragma once
// One IOMMU unit: the parts it owns and the ports the shell and host software use.
// Each part has its own file and registers its own statistics: translation
// (translation.h, ats.cpp), the context and PASID caches (context_cache.h),
// invalidation execution (inv_executor.h, behind the queue of inv_queue.h) and the
// register file (register_file.h). Software reaches the unit only through memory and
// MMIO. Several units count into the same `iommu.*` totals; each has its own
// `iommu.units.NAME.*` share.
#include <memory>
#include <vector>

#include "iommu/context_cache.h"
#include "iommu/fault_log.h"
#include "iommu/inv_executor.h"
#include "iommu/inv_queue.h"
#include "iommu/iommu_config.h"
#include "iommu/iommu_hooks.h"
#include "iommu/iotlb.h"
#include "iommu/page_walker.h"
#include "iommu/register_file.h"
#include "iommu/translation.h"
#include "models/base/requester.h"
#include "models/memory/mmio.h"

namespace sim {

class Iommu : public MmioTarget, public IommuHooks {
 public:
  Iommu(const IommuConfig& c, SparseMemory& mem, MemoryTiming& timing, Dispatcher& d,
        StatsRegistry& stats, TraceRecorder& trace);
  Iommu(const Iommu&) = delete;
  Iommu& operator=(const Iommu&) = delete;

  // The totals over several units that are not plain sums of shared counters
  // (a single unit named "iommu" registers its own).
  static void register_totals(StatsRegistry& stats, std::vector<const Iommu*> units);
  const std::string& name() const { return c_.name; }

  Translation translate(uint16_t bdf, uint32_t pasid, uint64_t iova, uint32_t len, bool write,
                        Ps at) {
    return translator_.translate(bdf, pasid, iova, len, write, at);
  }
  // The translated write lands in memory at `at` (for the wait descriptors' drain).
  void write_visible(Ps at) { drained_ = at > drained_ ? at : drained_; }

  uint64_t mmio_read(uint64_t offset, unsigned, Ps) override { return regs_.read(offset); }
  void mmio_write(uint64_t offset, uint64_t value, unsigned, Ps at) override {
    regs_.write(offset, value, at);
  }

  // Set-up before time 0: invalidations complete at once.
  void set_zero_cost(bool z) { queue_.set_zero_cost(z); }
  bool translation_enabled() const { return regs_.translation_enabled(); }
  const Iotlb& iotlb() const { return iotlb_; }
  const PageTableFormat& format() const { return *format_; }

  // PCIe ATS (iommu/ats.cpp). A translation request: walks or hits like a read, sets
  // A, and when it grants write permission to a request that asked for it, sets D
  // then (as SMMUv3 and AMD do): the device's writes will not come back to us.
  AtsTranslation translate_request(uint16_t bdf, uint32_t pasid, uint64_t iova, bool want_write,
                                   Ps at) {
    return translator_.translate_request(bdf, pasid, iova, want_write, at);
  }
  // A translated request passes without translation if the device may use ATS.
  // `pte_addr` (simulator side band from the device's cache) lets a write through a
  // grant whose D was cleared since be seen: the hazard device-TLB invalidations are for.
  Translation translated_access(uint16_t bdf, uint64_t pa, uint32_t len, bool write,
                                uint64_t pte_addr, Ps at) {
    return translator_.translated_access(bdf, pa, len, write, pte_addr, at);
  }
  // An MSI (a write to 0xfeexxxxx) from a device.
  void interrupt(uint16_t bdf, Ps at);

 private:
  IommuConfig c_;
  TraceRecorder& trace_;
  std::unique_ptr<PageTableFormat> format_;
  PageWalker walker_;
  DirtyLogRing dirty_log_;   // off unless platform.iommu.dirty_log.entries
  WalkCache walk_cache_;     // under nesting also stage 2's, tagged by the parent's domain
  WalkCache s1_walk_cache_;  // nested translation's stage 1 (empty without nesting)
  Iotlb iotlb_;
  FaultLog fault_log_;
  ContextCache contexts_;
  InvExecutor inv_;
  InvQueue queue_;
  RegisterFile regs_;
  Translator translator_;
  Ps drained_ = 0;
  uint64_t& interrupts_;
};

}  // namespace sim
