#pragma once
// Translation: a DMA request's context, IOTLB lookup, page walk with A/D updates and
// fault, and the ATS side (translation requests and translated requests, ats.cpp).
// The caches, walker and registers it reads are the Iommu's (iommu.h).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include "iommu/context_cache.h"
#include "iommu/fault_log.h"
#include "iommu/inv_queue.h"
#include "iommu/iommu_config.h"
#include "iommu/iommu_hooks.h"
#include "iommu/iotlb.h"
#include "iommu/nested_walker.h"
#include "iommu/page_walker.h"
#include "iommu/register_file.h"
#include "models/memory/memory_timing.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
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

class Translator {
 public:
  // What the translation path reads and updates, owned by the unit.
  struct Parts {
    const PageTableFormat& format;
    PageWalker& walker;
    WalkCache& walk_cache;
    Iotlb& iotlb;
    ContextCache& contexts;
    const RegisterFile& regs;
    const InvQueue& queue;
    FaultLog& fault_log;
    const IommuHooks& hooks;
    WalkCache& s1_walk_cache;  // nested translation's stage-1 paging-structure cache
    SparseMemory& mem;
  };
  Translator(const IommuConfig& c, Parts p, MemoryTiming& timing, StatsRegistry& stats,
             TraceRecorder& trace);
  ~Translator();

  // Inline (below): an IOTLB hit, most translations, costs no call; a miss's walk does.
  Translation translate(uint16_t bdf, uint32_t pasid, uint64_t iova, uint32_t len, bool write,
                        Ps at);
  AtsTranslation translate_request(uint16_t bdf, uint32_t pasid, uint64_t iova, bool want_write,
                                   Ps at);
  Translation translated_access(uint16_t bdf, uint64_t pa, uint32_t len, bool write,
                                uint64_t pte_addr, Ps at);
  // The unit's dirty log (dirty_log_ring.h): every D bit a walker or hit sets is logged.
  void set_dirty_log(DirtyLogRing* log);
  // Time translations waited for invalidations in progress (blocks_translation).
  Ps blocked_ps() const { return blocked_ps_; }

 private:
  const TranslationContext* context(uint16_t bdf, uint32_t pasid, Ps& t) {
    return p_.contexts.lookup(bdf, pasid, p_.regs.root_table(), t);
  }
  // `stage`, `gpa`: the stage that faulted under nested translation, and the GPA stage
  // 2 could not translate (stage-2 faults).
  Translation fault(FaultReason why, uint16_t bdf, uint64_t iova, bool write, Ps at,
                    WalkStage stage = WalkStage::None, uint64_t gpa = 0);
  // A nested context's translation (nested_translation.cpp), from time `t` on.
  Translation translate_nested(const TranslationContext& ctx, uint16_t bdf, uint32_t pasid,
                               uint64_t iova, uint32_t len, bool write, Ps at, Ps t);
  // An IOTLB miss's walk from `t` on, and the entry it fills. Out of translate()'s
  // line: a hit, most translations, then saves and restores fewer registers.
  [[gnu::noinline]] Translation walk_and_fill(const TranslationContext& ctx, uint16_t bdf,
                                              uint32_t pasid, uint64_t iova, bool write, Ps at,
                                              Ps t);
  // The IOTLB entry a translation of iova in `ctx` filled or hit (nullptr: none).
  IotlbEntry* entry_for(const TranslationContext& ctx, uint32_t pasid, uint64_t iova);
  [[gnu::cold]] void trace_hit(Ps at, uint64_t iova, bool write, Ps ready);
  [[gnu::cold]] void trace_ad_set(Ps at, uint64_t iova, uint64_t pte_addr);
  // A write through a cached entry whose leaf is not dirty: it leaves no trace in the
  // page table (the hazard the flushes after a harvest exist for).
  [[gnu::cold]] void stale_dirty_hit(const IotlbEntry& e, uint16_t bdf, uint64_t iova, Ps at);

  const IommuConfig& c_;
  Parts p_;
  MemoryTiming& timing_;
  TraceRecorder& trace_;
  ReservationPool walkers_;
  const unsigned iova_bits_;  // the format's, asked once: every translation checks it
  Ps blocked_ps_ = 0;

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
  uint64_t& faults_dropped_;
  uint64_t& walk_reads_;
  uint64_t& walk_cache_hits_;
  uint64_t& ats_requests_;
  uint64_t& ats_write_grants_;
  uint64_t& ats_stale_writes_;
  struct {
    uint64_t hits = 0, misses = 0, faults = 0;
  } unit_;  // this unit's share of the shared totals
  // Nested translation's walkers and statistics (nested_translation.h); only on a unit
  // with nesting.
  std::unique_ptr<struct NestedState> nested_;
};

inline Translation Translator::translate(uint16_t bdf, uint32_t pasid, uint64_t iova, uint32_t len,
                                         bool write, Ps at) {
  Translation out;
  out.ready = at;
  out.pa = iova;
  if (!p_.regs.translation_enabled()) return out;  // passthrough for everyone
  Ps t = at;
  // While the queue processes an IOTLB or context descriptor, lookups wait for it
  // (timing only: the lookup still sees the caches as they are now).
  if (c_.invalidation.blocks_translation && p_.queue.busy_until() > t) {
    blocked_ps_ += p_.queue.busy_until() - t;
    t = p_.queue.busy_until();
  }
  const TranslationContext* ctx = context(bdf, pasid, t);
  if (!ctx) return fault(FaultReason::ContextNotPresent, bdf, iova, write, at);
  if (ctx->tt == ContextEntry::kPassThrough) {
    out.ready = t;
    return out;
  }
  if (ctx->nested) return translate_nested(*ctx, bdf, pasid, iova, len, write, at, t);
  if (iova_bits_ < 64 && (iova + len - 1) >> iova_bits_)
    return fault(FaultReason::BeyondFormat, bdf, iova, write, at);
  const bool track = ctx->ade;
  IotlbEntry* e = p_.iotlb.lookup(ctx->did, pasid, iova);
  if (e) {
    ++hits_;
    ++unit_.hits;
    t = std::max(t, e->ready) + c_.hit_latency;  // joins a walk still in flight
    if (write && !e->w) return fault(FaultReason::WriteToReadOnly, bdf, iova, write, at);
    if (write && track) {
      if (!e->dirty_known) {
        if (p_.walker.set_dirty(e->pte_addr, e->vbase, e->pbase, e->size_shift, t)) ++dirty_sets_;
        e->dirty_known = true;
        t = timing_.access(t, 8);
        if (trace_.enabled()) trace_ad_set(at, iova, e->pte_addr);
      } else if (!p_.walker.pte_dirty(e->pte_addr)) {
        stale_dirty_hit(*e, bdf, iova, at);
      }
    }
    if (trace_.enabled()) trace_hit(at, iova, write, t);
    out.pa = e->pbase + (iova - e->vbase);
    out.ready = t;
    return out;
  }
  return walk_and_fill(*ctx, bdf, pasid, iova, write, at, t);
}

}  // namespace sim
