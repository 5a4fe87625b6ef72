// The IOMMU driver's side of the invalidation queues: each unit's registers and
// ring, descriptors submitted in batches ended by polled waits, a domain's flushes
// fanned out to the units it spans, and the deferred flush queue.
#include <algorithm>

#include "host-sw/driver/iommu_driver.h"
#include "iommu/vtd_regs.h"

namespace sim {

void IommuDriver::boot() {
  for (Unit& u : units_) {
    u.root_table = alloc_table();
    u.queue = alloc_table();  // QS=0: one page, 256 descriptors
    u.status_addr = alloc_table();
    u.fault_log = alloc_table();  // one page: 256 records
    const uint64_t base = u.hw.mmio_base;
    const Ps now = cpu_.now();
    env_.mmio.write(base + vtd::RTADDR, u.root_table, 8, now);
    env_.mmio.write(base + vtd::IQA, u.queue, 8, now);
    env_.mmio.write(base + vtd::AFLOG, u.fault_log, 8, now);
    uint32_t cmd = vtd::SRTP | vtd::QIE | vtd::SFL | (env_.hw.translate ? vtd::TE : 0);
    env_.mmio.write(base + vtd::GCMD, cmd, 4, now);
  }
}

IommuDriver::Unit& IommuDriver::unit_of(uint16_t bdf) {
  for (const auto& dev : env_.hw.devices)
    if (dev.bdf == bdf && dev.unit < units_.size()) return units_[dev.unit];
  return units_[0];
}

std::vector<unsigned> IommuDriver::units_of(const Domain& d) const {
  std::vector<unsigned> out;
  for (uint16_t bdf : d.devices)
    for (const auto& dev : env_.hw.devices)
      if (dev.bdf == bdf && dev.unit < units_.size()) out.push_back(dev.unit);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) out.push_back(0);
  return out;
}

Task<uint64_t> IommuDriver::flush(Domain& d, const Gather& g, const FlushPolicy& policy) {
  DeferredQueue& q = d.deferred;
  if (!policy.deferred()) {
    for (std::vector<InvDescriptor>& group : policy.groups(d.did, g, caps())) {
      account_covered(group);
      // Skipping the device TLBs is a negative control.
      if (policy.config().ats_inv) add_device_tlb(d, group);
      if (!group.empty()) co_await submit(d, group, policy.waits(), policy.batch());
    }
    co_return q.gen;
  }
  const uint64_t gen = q.gen;
  if (g.empty()) co_return gen;
  q.ats_inv = policy.config().ats_inv;
  for (const Range& r : g.records) q.pending.add(r.start, r.length);
  q.pending.leaves += g.leaves - g.records.size();
  if (q.pending.leaves >= policy.batch()) {
    co_await flush_deferred(d, false);
  } else if (q.timer_gen != gen) {
    q.timer_gen = gen;
    std::erase_if(timers_, [](const Fiber& f) { return f.done(); });
    timers_.push_back(Fiber::start(deferred_timer(d, gen, cpu_.now() + policy.config().timeout),
                                   [](std::exception_ptr e) {
                                     if (e) std::rethrow_exception(e);
                                   }));
  }
  co_return gen;
}

Task<> IommuDriver::deferred_timer(Domain& d, uint64_t gen, Ps at) {
  co_await SleepUntil{env_.dispatcher, at, Rank::Timer};
  if (d.deferred.gen == gen) co_await flush_deferred(d, true);
}

Task<> IommuDriver::flush_deferred(Domain& d, bool by_timer) {
  DeferredQueue& q = d.deferred;
  Gather g = std::move(q.pending);
  q.pending = Gather{};
  const uint64_t gen = q.gen++;  // leaves queued from now on wait for the next flush
  ++(by_timer ? deferred_timer_ : deferred_full_);
  if (!g.empty()) {
    std::vector<InvDescriptor> descs = covering(d.did, g.start, g.end, caps());
    account_covered(descs);
    if (q.ats_inv) add_device_tlb(d, descs);
    co_await submit(d, descs);
  }
  q.covered = std::max(q.covered, gen + 1);
}

Task<> IommuDriver::invalidate(Domain& d, uint64_t start, uint64_t end) {
  std::vector<InvDescriptor> descs;
  if (start == end)
    descs.push_back(InvDescriptor::iotlb_domain(d.did));
  else
    descs = covering(d.did, start, end, caps());
  add_device_tlb(d, descs);
  co_await submit(d, descs);
}

Task<> IommuDriver::submit(const Domain& d, const std::vector<InvDescriptor>& descs, bool poll,
                           unsigned per_wait) {
  const std::vector<unsigned> units = units_of(d);
  if (units.size() == 1) {
    co_await submit_unit(units_[units[0]], descs, poll, per_wait);
    co_return;
  }
  for (unsigned u : units) {
    std::vector<InvDescriptor> mine;
    for (const InvDescriptor& x : descs)
      if (x.type == InvDescriptor::kIotlb || &unit_of(x.sid) == &units_[u]) mine.push_back(x);
    if (!mine.empty()) co_await submit_unit(units_[u], mine, poll, per_wait);
  }
}

Task<> IommuDriver::submit_unit(Unit& u, const std::vector<InvDescriptor>& descs, bool poll,
                                unsigned per_wait) {
  const size_t batch = std::min<size_t>(per_wait ? per_wait : u.hw.batch, kQueueSlots - 2);
  for (size_t i = 0; i < descs.size(); i += batch)
    co_await submit_batch(u, descs.data() + i, std::min(batch, descs.size() - i), poll);
}

void IommuDriver::account(const InvDescriptor& desc) {
  if (desc.type == InvDescriptor::kContext) ++acc_.context_descs;
  if (desc.type != InvDescriptor::kIotlb) return;
  const bool page =
      desc.granularity == InvDescriptor::kPage || desc.granularity == InvDescriptor::kRange;
  ++(page ? acc_.page_descs : acc_.domain_descs);
}

void IommuDriver::account_covered(const std::vector<InvDescriptor>& descs) {
  for (const InvDescriptor& desc : descs) {
    if (desc.type != InvDescriptor::kIotlb) continue;
    if (desc.granularity == InvDescriptor::kPage) {
      acc_.covered_pages += 1ull << desc.am;
      continue;
    }
    if (desc.granularity == InvDescriptor::kRange) {
      acc_.covered_pages += desc.pages;
      continue;
    }
    for (const auto& d : domains_)
      if (desc.granularity == InvDescriptor::kGlobal || d->did == desc.did)
        acc_.covered_pages += d->mapped / 4096;
  }
}

Task<> IommuDriver::submit_batch(Unit& u, const InvDescriptor* descs, size_t n, bool poll) {
  const uint32_t seq = ++u.status_seq;
  auto put = [&](const InvDescriptor& desc) {
    uint64_t lo, hi;
    desc.encode(lo, hi);
    env_.memory.write64(u.queue + u.tail * 16, lo);
    env_.memory.write64(u.queue + u.tail * 16 + 8, hi);
    u.tail = (u.tail + 1) % kQueueSlots;
  };
  for (size_t i = 0; i < n; ++i) {
    put(descs[i]);
    account(descs[i]);
  }
  put(InvDescriptor::wait(u.status_addr, seq));
  descriptors_ += n;
  ++waits_;
  if (env_.trace.enabled()) {
    const InvDescriptor& f = descs[0];
    std::vector<TraceField> fields = {
        TraceField::dec("descriptors", n), TraceField::dec("type", f.type),
        TraceField::dec("did", f.did),     TraceField::hex("addr", f.addr),
        TraceField::dec("order", f.am),    TraceField::dec("seq", seq)};
    if (units_.size() > 1) fields.push_back(TraceField::str("unit", u.hw.name));
    env_.trace.record(cpu_.now(), "host", "inv_submit", std::move(fields));
  }
  const Ps t0 = cpu_.now();
  co_await cpu_.charge(cpu_.cost().descriptor * (n + 1));
  env_.mmio.write(u.hw.mmio_base + vtd::IQT, u.tail * 16, 8, cpu_.now());
  co_await cpu_.charge(cpu_.cost().mmio);
  const Ps t1 = cpu_.now();
  if (poll) co_await cpu_.wait_word(env_.memory, u.status_addr, seq);
  acc_.submit += t1 - t0;
  acc_.wait += cpu_.now() - t1;
}

}  // namespace sim
