// The endpoint's side of PCIe ATS: TLPs translated by its cache (ATC), translation
// requests for the ones it cannot, and invalidation requests from the IOMMU.
#include <algorithm>

#include "pcie/endpoint.h"

namespace sim {

bool Endpoint::use_atc(uint32_t slot, Ps now) {
  Tlp& t = inflight_[slot].tlp;
  if (AtcEntry* e = atc_->lookup(t.addr); e && (t.write ? e->w : e->r)) {
    t.translated = true;
    t.pa = e->pbase + (t.addr - e->vbase);
    t.pte_addr = e->pte_addr;
    if (t.write) e->written = true;
    ++atc_hits_;
    return true;
  }
  ++atc_misses_;
  // Join a request in flight for the page if it asks enough.
  const uint64_t page = t.addr >> 12;
  for (uint32_t i = 0; i < trs_.size(); ++i) {
    PendingTr& tr = trs_[i];
    if (!tr.waiting.empty() && tr.page == page && (tr.write || !t.write) &&
        tr.epoch == atc_epoch_) {
      tr.waiting.push_back(slot);
      return false;
    }
  }
  const uint32_t i = put(trs_, free_trs_, PendingTr{page, t.write, atc_epoch_, {slot}, AtsReply{}});
  ++ats_requests_;
  const Ps arrive = tx_.send(now, ovh_.mrd);
  d_.schedule(arrive, Rank::Device, this, (uint64_t(i) << kKindBits) | kTrArrive);
  return false;
}

void Endpoint::tr_arrive(uint32_t i, Ps now) {
  PendingTr& tr = trs_[i];
  tr.reply = port_->translate(dev_.bdf, tr.page << 12, tr.write, now);
  // The completion carries one 8-byte translation.
  const Ps back = rx_.send(tr.reply.ready, ovh_.cpld + 8);
  d_.schedule(back, Rank::Device, this, (uint64_t(i) << kKindBits) | kTrDone);
}

void Endpoint::tr_done(uint32_t i, Ps now) {
  PendingTr tr = std::move(trs_[i]);
  trs_[i].waiting.clear();
  free_trs_.push_back(i);
  const AtsReply& r = tr.reply;
  const bool fresh = tr.epoch == atc_epoch_;  // no invalidation arrived meanwhile
  if (r.ok && fresh)
    atc_->fill(AtcEntry{true, r.size_shift, r.vbase, r.pbase, r.pte_addr, r.r, r.w, false, 0});
  if (trace_.enabled())
    trace_.record(now, component_, "ats_completion",
                  {TraceField::hex("iova", tr.page << 12),
                   TraceField::str("grant", !r.ok ? "fault"
                                            : r.w ? "rw"
                                                  : "r"),
                   TraceField::str("used", fresh ? "yes" : "stale")});
  uint32_t tail = kNoSlot;
  for (uint32_t slot : tr.waiting) {
    const Tlp& t = inflight_[slot].tlp;
    if (fresh && (!r.ok || !(t.write ? r.w : r.r))) {
      fault_tlp(slot, now);  // refused, or a write to a page granted read only
    } else if (use_atc(slot, now)) {
      send_tlp(slot, now, tail);
    }
  }
  schedule_issue();
}

void Endpoint::fault_tlp(uint32_t slot, Ps now) {
  const uint32_t req = inflight_[slot].request;
  ++faults_;
  requests_[req].faulted = true;
  const bool write = inflight_[slot].tlp.write;
  free_inflight_.push_back(slot);
  if (!write) ++tags_free_;
  finish_tlp(req, now);
}

Ps Endpoint::invalidate_atc(uint64_t addr, uint64_t bytes, Ps at) {
  if (!atc_) return at;  // not an ATS device: nothing cached, an immediate answer
  ++atc_invalidations_;
  const Ps arrive = rx_.send(at, ovh_.mwr + 16);
  const uint32_t i = put(atc_invs_, free_atc_invs_, Range{addr, bytes});
  d_.schedule(arrive, Rank::Device, this, (uint64_t(i) << kKindBits) | kAtcInv);
  // At most max_inv outstanding; each takes its latency, then the completion message
  // goes up behind the device's earlier posted writes.
  auto slot = std::min_element(inv_slots_.begin(), inv_slots_.end());
  const Ps start = std::max(arrive, *slot);
  const Ps lat = inv_rng_.between(dev_.ats.inv_latency, dev_.ats.inv_latency_max);
  *slot = start + lat;
  return tx_.send(start + lat, ovh_.mwr + 8);
}

}  // namespace sim
