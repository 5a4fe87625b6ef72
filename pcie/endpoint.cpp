#include "pcie/endpoint.h"

#include <algorithm>

namespace sim {

Endpoint::Endpoint(const DeviceConfig& dev, const PcieConfig& pcie, Dispatcher& d,
                   StatsRegistry& stats, TraceRecorder& trace, uint64_t seed)
    : dev_(dev),
      pcie_(pcie),
      d_(d),
      trace_(trace),
      component_("dev." + dev.name),
      ovh_(tlp_overheads(pcie)),
      rates_(link_rates(pcie)),
      tx_(rates_),
      rx_(rates_),
      inv_rng_(seed, "dev." + dev.name + ".ats"),
      tags_free_(dev.tags),
      credits_(pcie.posted_header_credits || pcie.posted_data_credits),
      ph_total_(pcie.posted_header_credits ? pcie.posted_header_credits : INT64_MAX / 2),
      pd_total_(pcie.posted_data_credits ? pcie.posted_data_credits : INT64_MAX / 2),
      ph_free_(ph_total_),
      pd_free_(pd_total_),
      requests_stat_(stats.counter(component_ + ".requests", "count", "DMA requests issued")),
      bytes_written_(stats.counter(component_ + ".bytes_written", "bytes",
                                   "bytes of DMA writes that reached the root complex")),
      bytes_read_(stats.counter(component_ + ".bytes_read", "bytes",
                                "bytes of DMA reads completed back at the device")),
      goodput_ts_(stats.timeseries().series(component_ + ".goodput_gbps", TimeSeries::Kind::Gbps)),
      faults_(stats.counter(component_ + ".faults", "count", "TLPs the IOMMU refused")),
      tlps_(stats.counter(component_ + ".tlps", "count", "request TLPs sent")),
      read_latency_(stats.histogram(component_ + ".read_latency_ns", "ns",
                                    "DMA read latency, issue to last completion")),
      ats_requests_(stats.counter(component_ + ".ats.translation_requests", "count",
                                  "ATS translation requests sent")),
      atc_hits_(stats.counter(component_ + ".ats.atc_hits", "count", "TLPs translated by the ATC")),
      atc_misses_(stats.counter(component_ + ".ats.atc_misses", "count",
                                "TLPs that waited for a translation request")),
      atc_invalidations_(stats.counter(component_ + ".ats.invalidations", "count",
                                       "device-TLB invalidation requests received")) {
  if (dev.ats.enabled) {
    atc_ = std::make_unique<Atc>(dev.ats.entries, dev.ats.ways);
    inv_slots_.assign(dev.ats.max_inv, 0);
    stats.computed(component_ + ".ats.unwritten_write_grants", "count",
                   "write grants dropped unused: D set for a page never written (over-report)",
                   [this] { return StatValue(int64_t(atc_->unwritten_write_grants())); });
  }
  if (dev.dma_logging.enabled) make_dma_log(stats);
  for (const DmaJobConfig& j : dev.jobs) jobs_.emplace_back(j, seed, dev.name);
  const std::string link = "pcie." + dev.name;
  tx_.observe(&stats.timeseries().series(link + ".tx.wire_gbps", TimeSeries::Kind::Gbps));
  rx_.observe(&stats.timeseries().series(link + ".rx.wire_gbps", TimeSeries::Kind::Gbps));
  stats.computed(link + ".tx.tlps", "count", "TLPs sent device to host",
                 [this] { return StatValue(int64_t(tx_.tlps())); });
  stats.computed(link + ".tx.wire_bytes", "bytes", "bytes on the wire device to host",
                 [this] { return StatValue(int64_t(tx_.wire_bytes())); });
  stats.computed(link + ".rx.tlps", "count", "TLPs sent host to device",
                 [this] { return StatValue(int64_t(rx_.tlps())); });
  stats.computed(link + ".rx.wire_bytes", "bytes", "bytes on the wire host to device",
                 [this] { return StatValue(int64_t(rx_.wire_bytes())); });
  auto util = [this](const LinkDirection& l) {
    return StatValue(end_ ? double(std::min(l.busy_ps(), end_)) / double(end_) : 0.0);
  };
  stats.computed(link + ".tx.utilisation", "ratio", "busy time of the device-to-host direction",
                 [this, util] { return util(tx_); });
  stats.computed(link + ".rx.utilisation", "ratio", "busy time of the host-to-device direction",
                 [this, util] { return util(rx_); });
  stats.computed(component_ + ".goodput_gbps", "Gb/s",
                 "bytes completed before the end / (end - first job start)",
                 [this] { return StatValue(goodput_); });
  stats.computed(component_ + ".inflight_at_end", "count", "requests issued but not completed",
                 [this] { return StatValue(int64_t(inflight_end_)); });
}

void Endpoint::start() {
  schedule_issue();
}

void Endpoint::start_job_after_step(const std::string& step, Ps at) {
  bool any = false;
  for (DmaJob& j : jobs_)
    if (j.waiting_for_step() && j.config().start_after == step) {
      j.start_at(at);
      any = true;
    }
  if (any) schedule_issue();
}

bool Endpoint::idle() const {
  if (requests_open_) return false;
  if (stopped_) return true;
  for (const DmaJob& j : jobs_)
    if (!j.finished() && !j.waiting_for_step()) return false;
  return true;
}

uint64_t Endpoint::mmio_read(uint64_t offset, unsigned, Ps) {
  if (uint64_t v = 0; log_mmio_read(offset, v)) return v;
  if (offset == kEndpointCtrl) return stopped_ ? 1 : 0;
  if (offset == kEndpointStatus) return stopped_ && requests_open_ == 0 ? 1 : 0;
  return 0;
}

void Endpoint::mmio_write(uint64_t offset, uint64_t value, unsigned, Ps at) {
  if (log_mmio_write(offset, value, at)) return;
  if (offset != kEndpointCtrl) return;
  const bool stop = value & 1;
  if (stop == stopped_) return;
  stopped_ = stop;
  if (trace_.enabled()) trace_.record(at, component_, stop ? "quiesce" : "resume", {});
  if (stop) {
    ++issue_gen_;  // a pending issue event no longer issues
    issue_at_ = kNever;
    return;
  }
  // Requests a stopped device would have made are not made up in a burst.
  for (DmaJob& j : jobs_) j.resume_at(at);
  schedule_issue();
}

bool Endpoint::can_issue(const DmaJob& j) const {
  const DmaJob::Request& r = j.peek();
  if (!r.write) return count_tlps(r.iova, r.size, pcie_.mrrs) <= tags_free_;
  if (!credits_) return true;
  // A TLP takes a header credit and a data credit per 16 bytes. A request larger than
  // the whole pool goes when the pool is full (its TLPs would follow returning credits).
  const int64_t tlps = int64_t(count_tlps(r.iova, r.size, pcie_.mps));
  const int64_t data = int64_t((r.size + 15) / 16) + tlps;
  const bool full = ph_free_ == ph_total_ && pd_free_ == pd_total_;
  return full || (tlps <= ph_free_ && data <= pd_free_);
}

// The earliest job that can issue: reads also need tags for every MRd of the request.
void Endpoint::schedule_issue() {
  if (stopped_) return;
  Ps t = kNever;
  for (const DmaJob& j : jobs_) {
    Ps n = j.next_time();
    if (n == kNever) continue;
    if (!can_issue(j)) continue;  // blocked until a completion frees tags or credits
    t = std::min(t, n);
  }
  if (t == kNever || t >= issue_at_) return;
  t = std::max(t, d_.now());
  issue_at_ = t;
  const Dispatcher::Ticket tk = d_.reserve(t, Rank::Device);
  ++issue_gen_;
  if (last_arrival_slot_ != kNoSlot && tk.time == last_arrival_.time &&
      tk.order == last_arrival_.order + 1) {
    held_issue_ = tk;
    held_gen_ = issue_gen_;
    issue_after_slot_ = last_arrival_slot_;
    return;
  }
  d_.commit(tk, this, (issue_gen_ << kKindBits) | kIssue);
}

void Endpoint::run_held_issue() {
  issue_after_slot_ = kNoSlot;
  // Superseded by an earlier issue (or a stop): the queued event would do nothing.
  if (held_gen_ != issue_gen_) return;
  if (d_.claim(held_issue_))
    issue_now(held_issue_.time);
  else  // something the arrival booked at its own time comes first
    d_.commit(held_issue_, this, (held_gen_ << kKindBits) | kIssue);
}

void Endpoint::issue_now(Ps now) {
  issue_at_ = kNever;
  // Jobs ready now go in job order; one request per event keeps ties exact.
  for (unsigned i = 0; i < jobs_.size(); ++i) {
    const DmaJob& j = jobs_[i];
    if (j.next_time() > now) continue;
    if (!can_issue(j)) continue;
    issue(i, now);
    break;
  }
  schedule_issue();
}

void Endpoint::on_event(Ps now, uint64_t arg) {
  const uint32_t index = uint32_t(arg >> kKindBits);
  switch (arg & ((1u << kKindBits) - 1)) {
    case kIssue: {
      if ((arg >> kKindBits) != issue_gen_) return;  // superseded by an earlier issue
      issue_now(now);
      return;
    }
    case kArrive:
      arrive_run(index, now);
      return;
    case kReadDone:
      read_done(index, now);
      return;
    case kTrArrive:
      tr_arrive(index, now);
      return;
    case kTrDone:
      tr_done(index, now);
      return;
    case kCredit:  // the root complex passed a write on: its credits are back
      ++ph_free_;
      pd_free_ += index;
      schedule_issue();
      return;
    case kLogDone:
      log_done(now);
      return;
    case kAtcInv:
      atc_->invalidate(atc_invs_[index].start, atc_invs_[index].length);
      ++atc_epoch_;  // translations in flight may predate it: they are asked again
      free_atc_invs_.push_back(index);
      if (trace_.enabled())
        trace_.record(now, component_, "atc_invalidate",
                      {TraceField::hex("addr", atc_invs_[index].start),
                       TraceField::hex("length", atc_invs_[index].length)});
      return;
  }
}

void Endpoint::issue(unsigned job, Ps now) {
  DmaJob& j = jobs_[job];
  // Read in place before the stream moves on: a request returned by value was stored
  // in halves and reloaded whole, which stalls store forwarding on every TLP.
  const DmaJob::Request& rq = j.peek();
  const bool write = rq.write, drop = rq.drop;
  const uint64_t size = rq.size, iova = rq.iova;
  const int32_t queue = rq.queue;
  const uint32_t buffer = rq.slot;
  j.advance();
  if (drop) return;  // no receive buffer posted: the NIC drops the packet
  const uint32_t max_bytes = write ? pcie_.mps : pcie_.mrrs;
  // One TLP (what split_tlps would give) needs no list.
  const Chunk one{iova, uint32_t(size)};
  const Chunk* chunks = &one;
  uint32_t n = 1;
  if (!size || size > max_bytes || (iova & 4095) + size > 4096) {
    chunks_.clear();
    split_tlps(iova, size, max_bytes, chunks_);
    chunks = chunks_.data();
    n = uint32_t(chunks_.size());
  }
  const uint32_t req =
      put(requests_, free_requests_,
          Request{job, write, iova, size, now, n, false, next_id_++, queue, buffer});
  ++requests_open_;
  ++requests_stat_;
  if (!write) tags_free_ -= n;
  if (write && credits_)
    for (uint32_t i = 0; i < n; ++i) {
      --ph_free_;
      pd_free_ -= unsigned((chunks[i].len + 15) / 16);
    }
  if (trace_.enabled()) trace_begin(requests_[req], j, now);
  Ps last = now;
  uint32_t tail = kNoSlot;
  const uint32_t pasid = j.config().pasid;
  for (uint32_t i = 0; i < n; ++i) {
    const Chunk& c = chunks[i];
    const uint32_t slot = take_slot(inflight_, free_inflight_);
    InFlight& f = inflight_[slot];  // filled in place, not built and copied: every TLP
    f.request = req;
    f.tlp = Tlp{dev_.bdf, requests_[req].id, i, write, c.addr, c.len, false, 0, 0, pasid};
    f.arrival = {};
    f.next = kNoSlot;
    // With ATS a TLP the cache cannot translate waits for a translation request.
    if (!atc_ || use_atc(slot, now)) last = send_tlp(slot, now, tail);
  }
  // At rate max the next request waits for the link to be free again.
  if (!j.config().rate && j.config().pattern != DmaPattern::Replay) j.hold_until(last);
}

Ps Endpoint::send_tlp(uint32_t slot, Ps now, uint32_t& tail) {
  InFlight& f = inflight_[slot];
  const Tlp& t = f.tlp;
  const Ps at = tx_.send(now, (t.write ? t.len : 0) + (t.write ? ovh_.mwr : ovh_.mrd));
  ++tlps_;
  // Copied from a local: reading the ticket back whole from the member just stored
  // in halves stalls store forwarding (a measured 4% of the study's host time).
  const Dispatcher::Ticket tk = d_.reserve(at, Rank::Device);
  last_arrival_ = tk;
  last_arrival_slot_ = slot;
  f.arrival = tk;
  // Queued when the run's tail arrives, which comes first: nothing can run between
  // that and this ticket's place without being in the queue. A TLP the link put in
  // an earlier gap goes into the queue now.
  if (tail != kNoSlot && Dispatcher::before(inflight_[tail].arrival, tk)) {
    inflight_[tail].next = slot;
    tail = slot;
    return at;
  }
  if (tail == kNoSlot) tail = slot;
  d_.commit(tk, this, (uint64_t(slot) << kKindBits) | kArrive);
  return at;
}

void Endpoint::arrive_run(uint32_t slot, Ps now) {
  for (;;) {
    const uint32_t next = inflight_[slot].next;  // read first: a write's slot is freed
    if (slot == last_arrival_slot_) last_arrival_slot_ = kNoSlot;  // no longer pending
    arrive(slot, now);
    if (slot == issue_after_slot_) run_held_issue();
    if (next == kNoSlot) return;
    // The next arrival is strictly later (one link serialises them), so nothing this
    // one did could have needed it queued; it runs here when nothing queued comes first.
    const Dispatcher::Ticket t = inflight_[next].arrival;
    if (!d_.claim(t)) {
      d_.commit(t, this, (uint64_t(next) << kKindBits) | kArrive);
      return;
    }
    slot = next;
    now = t.time;
  }
}

void Endpoint::arrive(uint32_t slot, Ps now) {
  const Tlp tlp = inflight_[slot].tlp;
  const uint32_t req = inflight_[slot].request;
  TlpResult r = port_->send(tlp, now);
  if (r.fault) {
    ++faults_;
    requests_[req].faulted = true;
  }
  if (trace_.enabled()) trace_tlp(tlp, r.fault, now);
  if (tlp.write) {
    if (!r.fault) {
      if (log_) log_write(tlp, r.pa, now);
      bytes_written_ += tlp.len;
      goodput_ts_.add(now, tlp.len);
    }
    if (credits_)
      d_.schedule(std::max(r.passed, now), Rank::Device, this,
                  (uint64_t((tlp.len + 15) / 16) << kKindBits) | kCredit);
    free_inflight_.push_back(slot);
    finish_tlp(req, now);
    return;
  }
  // Completions leave the root complex once the data is there, split at MPS (or RCB).
  chunks_.clear();
  split_tlps(tlp.addr, tlp.len, pcie_.completions_at_rcb ? pcie_.rcb : pcie_.mps, chunks_);
  Ps last = r.done;
  for (const Chunk& c : chunks_) last = rx_.send(r.done, c.len + ovh_.cpld);
  d_.schedule(last, Rank::Device, this, (uint64_t(slot) << kKindBits) | kReadDone);
}

void Endpoint::read_done(uint32_t slot, Ps now) {
  const uint32_t req = inflight_[slot].request;
  if (!requests_[req].faulted) {
    bytes_read_ += inflight_[slot].tlp.len;
    goodput_ts_.add(now, inflight_[slot].tlp.len);
  }
  free_inflight_.push_back(slot);
  ++tags_free_;
  finish_tlp(req, now);
  schedule_issue();
}

void Endpoint::finish_tlp(uint32_t req, Ps now) {
  Request& r = requests_[req];
  if (--r.tlps_left) return;
  if (!r.write) read_latency_.add((now - r.issued) / kNs);
  if (trace_.enabled()) trace_end(r, now);
  if (r.queue >= 0)
    jobs_[r.job].nic_queues()->mapper()->filled(unsigned(r.queue), r.slot, r.iova, now);
  --requests_open_;
  free_requests_.push_back(req);
}

NicMultiQueue* Endpoint::map_buffers(const std::string& job, BufferMapper* m,
                                     StatsRegistry& stats) {
  for (DmaJob& j : jobs_) {
    if (j.config().name != job || !j.nic_queues()) continue;
    NicMultiQueue* q = j.nic_queues();
    q->set_mapper(m);
    stats.computed(component_ + ".dma." + job + ".rx_no_buffer", "count",
                   "packets dropped: the ring's next slot had no buffer posted",
                   [q] { return StatValue(int64_t(q->drops())); });
    return q;
  }
  return nullptr;
}

void Endpoint::finalize(Ps end) {
  // Goodput: bytes completed before the end over the time since the first job started.
  Ps first = kNever;
  for (const DmaJob& j : jobs_)
    if (!j.waiting_for_step()) first = std::min(first, j.started_at());
  double bytes = double(bytes_written_ + bytes_read_);
  double secs = first < end ? double(end - first) / double(kSec) : 0.0;
  goodput_ = secs > 0 ? bytes * 8 / secs / 1e9 : 0.0;
  inflight_end_ = requests_open_;
  end_ = end;
}

}  // namespace sim
