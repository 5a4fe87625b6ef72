// The context and PASID caches: misses read the tables in memory (a PASID entry
// through its directory entry); invalidations drop entries by device, domain or PASID.
#include "iommu/context_cache.h"

#include "iommu/stage1_formats.h"

namespace sim {

ContextCache::ContextCache(SparseMemory& mem, MemoryTiming& timing, StatsRegistry& stats,
                           bool nesting)
    : mem_(mem),
      timing_(timing),
      nesting_(nesting),
      misses_(
          stats.shared_counter("iommu.context_cache.misses", "count", "context entries fetched")) {}

const TranslationContext* ContextCache::resolve(uint16_t bdf, uint32_t pasid, uint64_t root_table,
                                                Ps& t) {
  std::optional<ContextEntry> ctx = device_context(bdf, root_table, t);
  if (!ctx) return nullptr;
  TranslationContext eff;
  static_cast<ContextEntry&>(eff) = *ctx;
  if (!ctx->pasid) {
    // Without PASIDs enabled a request with a PASID is blocked (VT-d legacy mode).
    if (pasid != kNoPasid) return nullptr;
  } else {
    const uint32_t p = pasid == kNoPasid ? kRidPasid : pasid;
    if (p >> kPasidBits || (p >> kPasidTableShift) >= ctx->pasid_dir_entries()) return nullptr;
    const uint64_t key = uint64_t(bdf) << 32 | p;
    auto it = pasid_cache_.find(key);
    if (it == pasid_cache_.end()) {
      ++misses_;
      // Directory entries are not cached: each PASID-entry fetch reads its own first.
      const PasidDirEntry dir =
          PasidDirEntry::decode(mem_.read64(pasid_dir_entry_addr(ctx->root, p)));
      t = timing_.access(t, 8);
      if (!dir.present) return nullptr;
      const uint64_t a = pasid_entry_addr(dir.table, p);
      CachedPasid c{PasidEntry::decode(mem_.read64(a), mem_.read64(a + 8)), {}};
      t = timing_.access(t, 16);
      if (!c.entry.present) return nullptr;
      if (c.entry.nested) {
        // Not cached when the unit cannot translate it: it blocks until rewritten.
        if (!nesting_ || c.entry.pass_through) return nullptr;
        const uint64_t n = pasid_nesting_addr(dir.table, p);
        c.nest = PasidNesting::decode(mem_.read64(n), mem_.read64(n + 8));
        t = timing_.access(t, 16);
        if (!stage1_valid(c.nest)) return nullptr;
      }
      it = pasid_cache_.emplace(key, c).first;
    }
    const PasidEntry& pe = it->second.entry;
    // The device's translation type (ATS or not) stays; the rest is the PASID's.
    if (pe.pass_through) eff.tt = ContextEntry::kPassThrough;
    eff.root = pe.root;
    eff.aw = pe.aw;
    eff.ade = pe.ade;
    eff.did = pe.did;
    eff.pasid = false;
    eff.nested = pe.nested;
    eff.nest = it->second.nest;
  }
  Memo& m = memo_[next_memo_++ % std::size(memo_)];
  m = {memo_key(bdf, pasid), eff};
  return &m.ctx;
}

std::optional<ContextEntry> ContextCache::device_context(uint16_t bdf, uint64_t root_table, Ps& t) {
  auto it = context_cache_.find(bdf);
  if (it != context_cache_.end()) return it->second;
  if (!root_table) return std::nullopt;
  ++misses_;
  const uint64_t ra = root_entry_addr(root_table, bdf);
  RootEntry root = RootEntry::decode(mem_.read64(ra), mem_.read64(ra + 8));
  t = timing_.access(t, 16);
  if (!root.present) return std::nullopt;
  const uint64_t ca = context_entry_addr(root.context_table, bdf);
  ContextEntry ctx = ContextEntry::decode(mem_.read64(ca), mem_.read64(ca + 8));
  t = timing_.access(t, 16);
  if (!ctx.present) return std::nullopt;  // not cached: a later attach needs no invalidation
  context_cache_[bdf] = ctx;
  return ctx;
}

void ContextCache::invalidate_context(const InvDescriptor& d) {
  forget_memos();
  const bool global = d.granularity == InvDescriptor::kGlobal;
  std::erase_if(context_cache_, [&](const auto& kv) {
    return global || (d.granularity == InvDescriptor::kDomain && kv.second.did == d.did) ||
           (d.granularity == InvDescriptor::kPage && kv.first == d.sid);
  });
  // PASID entries are reached through the device's context: they go with it.
  if (d.granularity != InvDescriptor::kDomain)
    std::erase_if(pasid_cache_,
                  [&](const auto& kv) { return global || uint16_t(kv.first >> 32) == d.sid; });
}

void ContextCache::invalidate_pasid(const InvDescriptor& d) {
  forget_memos();
  std::erase_if(pasid_cache_, [&](const auto& kv) {
    return d.granularity == InvDescriptor::kGlobal ||
           (kv.second.entry.did == d.did &&
            (d.granularity == InvDescriptor::kDomain || uint32_t(kv.first) == d.pasid));
  });
}

}  // namespace sim
