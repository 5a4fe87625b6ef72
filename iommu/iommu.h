#pragma once
// One IOMMU unit's core: context (BDF -> domain) through a context cache, the IOTLB
// with dirty-known entries, the page walker with A/D, and the invalidation queue, all
// reached by software only through memory and MMIO registers. Several units count
// into the same `iommu.*` totals; each has its own `iommu.units.NAME.*` share.
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "iommu/context_entry.h"
#include "iommu/fault_log.h"
#include "iommu/inv_queue.h"
#include "iommu/iommu_config.h"
#include "iommu/iotlb.h"
#include "iommu/page_walker.h"
#include "iommu/vtd_regs.h"
#include "models/base/requester.h"
#include "models/memory/mmio.h"
#include "models/sim/reservation_calendar.h"

namespace sim {

struct Translation {
  bool ok = true;
  FaultReason fault = FaultReason::None;
  uint64_t pa = 0;
  Ps ready = 0;  // when the translated access may go to memory
};

// A translation completion (PCIe ATS): what the device may cache.
struct AtsTranslation {
  bool ok = false;
  FaultReason fault = FaultReason::None;
  uint64_t vbase = 0, pbase = 0;
  uint8_t size_shift = 12;
  bool r = false, w = false;
  uint64_t pte_addr = 0;  // simulator side band, not in the real completion
  Ps ready = 0;
};

class Iommu : public MmioTarget {
 public:
  Iommu(const IommuConfig& c, SparseMemory& mem, MemoryTiming& timing, Dispatcher& d,
        StatsRegistry& stats, TraceRecorder& trace);

  // The totals over several units that are not plain sums of shared counters
  // (a single unit named "iommu" registers its own).
  static void register_totals(StatsRegistry& stats, std::vector<const Iommu*> units);
  const std::string& name() const { return c_.name; }

  Translation translate(uint16_t bdf, uint32_t pasid, uint64_t iova, uint32_t len, bool write,
                        Ps at);
  // The translated write lands in memory at `at` (for the wait descriptors' drain).
  void write_visible(Ps at) { drained_ = at > drained_ ? at : drained_; }

  uint64_t mmio_read(uint64_t offset, unsigned size, Ps at) override;
  void mmio_write(uint64_t offset, uint64_t value, unsigned size, Ps at) override;

  // Set-up before time 0: invalidations complete at once.
  void set_zero_cost(bool z) { queue_.set_zero_cost(z); }
  bool translation_enabled() const { return gsts_ & vtd::TE; }
  const Iotlb& iotlb() const { return iotlb_; }
  const PageTableFormat& format() const { return *format_; }
  // The migration oracle's view of the hazard: a write through a dirty-known entry
  // whose PTE has D clear.
  std::function<void(uint16_t bdf, uint64_t iova, uint64_t pa, Ps at)> on_stale_dirty_hit;

  // PCIe ATS (iommu/ats.cpp). A translation request: walks or hits like a read, sets
  // A, and when it grants write permission to a request that asked for it, sets D
  // then (as SMMUv3 and AMD do): the device's writes will not come back to us.
  AtsTranslation translate_request(uint16_t bdf, uint32_t pasid, uint64_t iova, bool want_write,
                                   Ps at);
  // A translated request passes without translation if the device may use ATS.
  // `pte_addr` (simulator side band from the device's cache) lets a write through a
  // grant whose D was cleared since be seen: the hazard device-TLB invalidations are for.
  Translation translated_access(uint16_t bdf, uint64_t pa, uint32_t len, bool write,
                                uint64_t pte_addr, Ps at);
  std::function<void(uint16_t bdf, uint64_t pa, Ps at)> on_stale_atc_write;
  // An MSI (a write to 0xfeexxxxx) from a device.
  void interrupt(uint16_t bdf, Ps at);
  // Sends a device-TLB invalidation to the device `sid`; returns when its completion
  // is back at the IOMMU (the platform routes it to the endpoint).
  std::function<Ps(uint16_t sid, uint64_t addr, uint64_t bytes, Ps at)> on_device_tlb_invalidate;

 private:
  // The translation a request of (bdf, pasid) gets: the device's context entry, or
  // with PASIDs enabled its PASID's entry (RID_PASID for none) as a context.
  std::optional<ContextEntry> context(uint16_t bdf, uint32_t pasid, Ps& t);
  std::optional<ContextEntry> resolve_context(uint16_t bdf, uint32_t pasid, Ps& t);
  std::optional<ContextEntry> device_context(uint16_t bdf, Ps& t);
  Translation fault(FaultReason why, uint16_t bdf, uint64_t iova, bool write, Ps at);
  [[gnu::cold]] void trace_hit(Ps at, uint64_t iova, bool write, Ps ready);
  unsigned apply(const InvDescriptor& d, Ps now);

  IommuConfig c_;
  SparseMemory& mem_;
  MemoryTiming& timing_;
  TraceRecorder& trace_;
  std::unique_ptr<PageTableFormat> format_;
  PageWalker walker_;
  WalkCache walk_cache_;
  Iotlb iotlb_;
  ReservationPool walkers_;
  InvQueue queue_;
  FaultLog fault_log_;
  std::unordered_map<uint16_t, ContextEntry> context_cache_;  // looked up only, never iterated
  std::unordered_map<uint64_t, PasidEntry> pasid_cache_;      // (bdf << 32 | pasid)
  struct {
    bool valid = false;
    uint16_t bdf = 0;
    uint32_t pasid = 0;
    ContextEntry ctx;
  } memo_;  // context()'s last answer
  uint32_t gsts_ = 0;
  uint64_t rtaddr_ = 0, root_table_ = 0;
  Ps drained_ = 0;

  uint64_t& hits_;
  uint64_t& misses_;
  uint64_t& walks_;
  TimeSeries::Series& misses_ts_;
  TimeSeries::Series& walks_ts_;
  uint64_t& accessed_sets_;
  uint64_t& dirty_sets_;
  uint64_t& stale_hits_;
  uint64_t& faults_;
  uint64_t* fault_by_reason_[6];
  uint64_t& ctx_misses_;
  uint64_t& ats_requests_;
  uint64_t& ats_write_grants_;
  uint64_t& ats_stale_writes_;
  uint64_t& interrupts_;
  uint64_t& walk_reads_;
  uint64_t& walk_cache_hits_;
  uint64_t& faults_dropped_;
  uint64_t& unsupported_;
  Ps blocked_ps_ = 0;
  struct {
    uint64_t hits = 0, misses = 0, faults = 0;
  } unit_;  // this unit's share of the shared totals
};

}  // namespace sim
