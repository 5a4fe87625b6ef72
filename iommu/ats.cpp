// PCIe ATS at the IOMMU, the translation path's other half: translation requests from
// a device's translation cache, and the translated requests that come back using what
// it cached.
#include "iommu/translation.h"

namespace sim {

AtsTranslation Translator::translate_request(uint16_t bdf, uint32_t pasid, uint64_t iova,
                                             bool want_write, Ps at) {
  ++ats_requests_;
  AtsTranslation out;
  out.ready = at;
  Ps t = at;
  const TranslationContext* ctx = p_.regs.translation_enabled() ? context(bdf, pasid, t) : nullptr;
  if (!ctx || ctx->tt != ContextEntry::kTranslateAts) {
    out.fault = fault(ctx ? FaultReason::AtsNotAllowed : FaultReason::ContextNotPresent, bdf, iova,
                      want_write, at)
                    .fault;
    return out;
  }
  // A read's translation (walk or hit, A set); a write to a read-only page is granted
  // read only, not refused.
  Translation tr = translate(bdf, pasid, iova, 1, false, at);
  if (!tr.ok) {
    out.fault = tr.fault;
    return out;
  }
  IotlbEntry* e = entry_for(*ctx, pasid, iova);
  // A nested entry not yet dirty-known is made so by a write's walk (stage-1 D in the
  // guest's leaf, stage-2 D on the parent): a hit cannot set both.
  if (ctx->nested && want_write && e && e->w && !e->dirty_known) {
    tr = translate(bdf, pasid, iova, 1, true, tr.ready);
    e = tr.ok ? entry_for(*ctx, pasid, iova) : nullptr;
  }
  t = tr.ready;
  out.ok = true;
  out.size_shift = e ? e->size_shift : 12;
  out.vbase = iova & ~((1ull << out.size_shift) - 1);
  out.pbase = tr.pa - (iova - out.vbase);
  out.pte_addr = e ? e->pte_addr : 0;
  out.r = e ? e->r : true;
  out.w = want_write && e && e->w;
  if (out.w) {
    ++ats_write_grants_;
    if (ctx->ade) {
      if (!e->dirty_known) {
        if (p_.walker.set_dirty(e->pte_addr, e->vbase, e->pbase, e->size_shift, t)) ++dirty_sets_;
        e->dirty_known = true;
        t = timing_.access(t, 8);
      } else if (!p_.walker.pte_dirty(e->pte_addr)) {
        // Granting write from a stale dirty-known entry: D stays clear.
        ++stale_hits_;
        if (p_.hooks.on_stale_dirty_hit)
          p_.hooks.on_stale_dirty_hit(bdf, iova, tr.pa & ~0xfffull, at);
      }
    }
  }
  if (trace_.enabled())
    trace_.record(at, c_.name, "ats_translate",
                  {TraceField::hex("bdf", bdf), TraceField::hex("iova", iova),
                   TraceField::str("grant", out.w   ? "rw"
                                            : out.r ? "r"
                                                    : "-"),
                   TraceField::dec("ready", t)});
  out.ready = t;
  return out;
}

Translation Translator::translated_access(uint16_t bdf, uint64_t pa, uint32_t, bool write,
                                          uint64_t pte_addr, Ps at) {
  Translation out;
  out.pa = pa;
  out.ready = at;
  if (!p_.regs.translation_enabled()) return out;
  Ps t = at;
  const TranslationContext* ctx = context(bdf, kNoPasid, t);
  if (!ctx || ctx->tt != ContextEntry::kTranslateAts)
    return fault(ctx ? FaultReason::AtsNotAllowed : FaultReason::ContextNotPresent, bdf, pa, write,
                 at);
  if (write && ctx->ade && pte_addr && !p_.walker.pte_dirty(pte_addr)) {
    ++ats_stale_writes_;
    if (p_.hooks.on_stale_atc_write) p_.hooks.on_stale_atc_write(bdf, pa, at);
  }
  out.ready = t;
  return out;
}

}  // namespace sim
