#include "host-sw/iommu_driver.h"

#include <stdexcept>

#include "iommu/context_entry.h"
#include "iommu/vtd_regs.h"

namespace sim {

IommuDriver::IommuDriver(HostEnv& env, HostCpu& cpu, PhysAllocator& phys)
    : env_(env),
      cpu_(cpu),
      phys_(phys),
      format_(make_format(env.hw.format, env.hw.levels)),
      descriptors_(env.stats.counter("host.inv.descriptors", "count",
                                     "invalidation descriptors the driver submitted")),
      waits_(env.stats.counter("host.inv.waits", "count", "invalidation waits the driver polled")),
      deferred_full_(env.stats.counter("host.flush.deferred_full", "count",
                                       "deferred flushes forced by a full queue")),
      deferred_timer_(env.stats.counter("host.flush.deferred_timer", "count",
                                        "deferred flushes fired by the timer")) {
  if (!format_) throw std::logic_error("driver: unknown page-table format");
  const char* size[] = {"", "4k", "2m", "1g"};
  for (unsigned l = 1; l <= 3; ++l)
    env.stats.computed(std::string("iommu.pt.leaves.") + size[l], "count",
                       "leaf entries in the IO page tables at the end",
                       [this, l] { return StatValue(int64_t(leaves_[l])); });
}

uint64_t IommuDriver::alloc_table() {
  uint64_t pa = phys_.alloc(4096, 4096);
  if (!pa) throw std::runtime_error("host: out of physical memory for kernel pages");
  return pa;  // sparse memory reads as zero: a fresh table is empty
}

void IommuDriver::boot() {
  root_table_ = alloc_table();
  queue_ = alloc_table();  // QS=0: one page, 256 descriptors
  status_addr_ = alloc_table();
  fault_log_ = alloc_table();  // one page: 256 records
  const uint64_t base = env_.hw.iommu_mmio_base;
  const Ps now = cpu_.now();
  env_.mmio.write(base + vtd::RTADDR, root_table_, 8, now);
  env_.mmio.write(base + vtd::IQA, queue_, 8, now);
  env_.mmio.write(base + vtd::AFLOG, fault_log_, 8, now);
  uint32_t cmd = vtd::SRTP | vtd::QIE | vtd::SFL | (env_.hw.translate ? vtd::TE : 0);
  env_.mmio.write(base + vtd::GCMD, cmd, 4, now);
}

Domain* IommuDriver::domain_alloc() {
  auto d = std::make_unique<Domain>();
  d->did = next_did_++;
  d->root = alloc_table();
  ++pt_tables_;
  domains_.push_back(std::move(d));
  return domains_.back().get();
}

uint64_t IommuDriver::slot(Domain& d, uint64_t iova, unsigned level) {
  uint64_t table = d.root;
  for (unsigned l = format_->levels(); l > level; --l) {
    uint64_t addr = table + 8ull * format_->index(iova, l);
    uint64_t raw = env_.memory.read64(addr);
    Pte p = format_->decode(raw, l);
    if (!p.present) {
      uint64_t t = alloc_table();
      ++pt_tables_;
      env_.memory.write64(addr, format_->make_table(t));
      table = t;
    } else if (p.leaf) {
      throw std::logic_error("driver: mapping over a large leaf");
    } else {
      table = p.addr;
    }
  }
  return table + 8ull * format_->index(iova, level);
}

std::pair<uint64_t, unsigned> IommuDriver::find_leaf(const Domain& d, uint64_t iova) const {
  uint64_t table = d.root;
  for (unsigned l = format_->levels(); l >= 1; --l) {
    uint64_t addr = table + 8ull * format_->index(iova, l);
    Pte p = format_->decode(env_.memory.read64(addr), l);
    if (!p.present) return {0, l};
    if (p.leaf) return {addr, l};
    table = p.addr;
  }
  return {0, 1};
}

Task<> IommuDriver::map(Domain& d, uint64_t iova, uint64_t length, Backing backing, bool r, bool w,
                        bool huge) {
  d.mapped += length;
  uint64_t done = 0, in_table = 0;
  while (done < length) {
    const uint64_t at = iova + done;
    auto [pa, run] = backing(done);
    unsigned level = 1;
    // The largest leaf that alignment and physical contiguity allow.
    for (unsigned l = 3; huge && l > 1; --l) {
      const uint64_t span = format_->entry_span(l);
      if (format_->leaf_allowed(l) && at % span == 0 && pa % span == 0 && length - done >= span &&
          run >= span) {
        level = l;
        break;
      }
    }
    const uint64_t span = format_->entry_span(level);
    env_.memory.write64(slot(d, at, level), format_->make_leaf(pa, level, r, w));
    ++leaves_[level];
    done += span;
    // Each leaf table filled is one atomic host operation.
    if (++in_table == 512 || done >= length ||
        (iova + done) % format_->entry_span(level + 1) == 0) {
      co_await cpu_.charge(cpu_.cost().table_visit + in_table * cpu_.cost().pte_write);
      in_table = 0;
    }
  }
}

Task<> IommuDriver::unmap(Domain& d, uint64_t iova, uint64_t length) {
  d.mapped -= std::min(d.mapped, length);
  Gather g;
  uint64_t done = 0, in_table = 0;
  while (done < length) {
    auto [addr, level] = find_leaf(d, iova + done);
    const uint64_t span = format_->entry_span(level);
    const uint64_t step = span - (iova + done) % span;
    if (addr) {
      env_.memory.write64(addr, 0);
      --leaves_[level];
      g.add(iova + done, step);
      ++in_table;
    }
    done += step;
    if (in_table == 512 || done >= length || (iova + done) % format_->entry_span(2) == 0) {
      co_await cpu_.charge(cpu_.cost().table_visit + in_table * cpu_.cost().pte_write);
      in_table = 0;
    }
  }
  // Tables the range covers whole are empty now: unhooked before the sync (which
  // drops the walk cache's pointers into them, the range being theirs), freed after.
  std::vector<uint64_t> freed;
  prune(d.root, format_->levels(), 0, iova, iova + length, freed);
  // Unmap before unpin: the IOTLB forgets the range before the caller frees pages.
  if (!g.empty()) {
    // (named vectors: g++ 12 rejects braced lists inside co_await)
    std::vector<InvDescriptor> descs = covering(d.did, g.start, g.end, caps());
    add_device_tlb(d, descs);
    co_await submit(descs);
  }
  for (uint64_t t : freed) free_table(t);
}

void IommuDriver::prune(uint64_t table, unsigned level, uint64_t base, uint64_t start, uint64_t end,
                        std::vector<uint64_t>& freed) {
  const uint64_t span = format_->entry_span(level);
  const uint64_t first = start > base ? (start - base) / span : 0;
  for (uint64_t i = first; i < 512; ++i) {
    const uint64_t at = base + i * span;
    if (at >= end) break;
    const uint64_t addr = table + 8 * i;
    const Pte p = format_->decode(env_.memory.read64(addr), level);
    if (!p.present || p.leaf) continue;
    prune(p.addr, level - 1, at, start, end, freed);
    // Like Linux, only a table the unmapped range covers whole is freed (and it is
    // empty then: every leaf under it was in the range).
    if (at >= start && at + span <= end && table_empty(p.addr)) {
      env_.memory.write64(addr, 0);
      freed.push_back(p.addr);
    }
  }
}

bool IommuDriver::table_empty(uint64_t pa) const {
  for (uint64_t off = 0; off < 4096; off += 8)
    if (env_.memory.read64(pa + off)) return false;
  return true;
}

void IommuDriver::free_table(uint64_t pa) {
  for (uint64_t off = 0; off < 4096; off += 8) env_.memory.write64(pa + off, 0);
  phys_.free(pa, 4096);
  --pt_tables_;
}

void IommuDriver::domain_free(Domain* d) {
  // Every table left below the root, then the root (the domain is unmapped already).
  std::vector<uint64_t> freed;
  prune(d->root, format_->levels(), 0, 0, UINT64_MAX, freed);
  for (uint64_t t : freed) free_table(t);
  free_table(d->root);
  std::erase_if(domains_, [d](const std::unique_ptr<Domain>& p) { return p.get() == d; });
}

bool IommuDriver::ats(uint16_t bdf) const {
  for (const auto& dev : env_.hw.devices)
    if (dev.bdf == bdf) return dev.ats;
  return false;
}

void IommuDriver::add_device_tlb(const Domain& d, std::vector<InvDescriptor>& descs) const {
  std::vector<InvDescriptor> dev;
  for (const InvDescriptor& x : descs) {
    if (x.type != InvDescriptor::kIotlb) continue;
    // Device TLBs take aligned power-of-two sizes: a range goes as its covering block.
    uint8_t am = 52;
    uint64_t addr = 0;
    if (x.granularity == InvDescriptor::kPage) {
      am = x.am;
      addr = x.addr;
    } else if (x.granularity == InvDescriptor::kRange && x.pages) {
      InvDescriptor c = covering_invalidation(x.did, x.addr, x.addr + x.span_bytes() - 1, 52);
      am = c.am;
      addr = c.addr;
    }
    for (uint16_t bdf : d.devices)
      if (ats(bdf)) dev.push_back(InvDescriptor::device_tlb(bdf, addr, am));
  }
  descs.insert(descs.end(), dev.begin(), dev.end());
}

void IommuDriver::write_context(uint16_t bdf, const Domain* d) {
  const uint64_t ra = root_entry_addr(root_table_, bdf);
  RootEntry root = RootEntry::decode(env_.memory.read64(ra), 0);
  if (!root.present) {
    root = {true, alloc_table()};
    auto [lo, hi] = root.encode();
    env_.memory.write64(ra, lo);
    env_.memory.write64(ra + 8, hi);
  }
  ContextEntry c;
  if (d) {
    c.present = true;
    c.tt = ats(bdf) ? ContextEntry::kTranslateAts : ContextEntry::kTranslate;
    c.root = d->root;
    c.aw = format_->levels() == 5 ? 3 : 2;
    c.ade = d->dirty_tracking;
    c.did = d->did;
  }
  auto [lo, hi] = c.encode();
  const uint64_t ca = context_entry_addr(root.context_table, bdf);
  env_.memory.write64(ca + 8, hi);
  env_.memory.write64(ca, lo);
}

Task<> IommuDriver::attach(Domain& d, uint16_t bdf) {
  write_context(bdf, &d);
  d.devices.push_back(bdf);
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
  std::vector<InvDescriptor> descs;
  descs.push_back(InvDescriptor::context_device(d.did, bdf));
  co_await submit(descs);
}

Task<> IommuDriver::detach(Domain& d, uint16_t bdf) {
  write_context(bdf, nullptr);
  std::erase(d.devices, bdf);
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
  std::vector<InvDescriptor> descs;
  descs.push_back(InvDescriptor::context_device(d.did, bdf));
  descs.push_back(InvDescriptor::iotlb_domain(d.did));
  if (ats(bdf)) descs.push_back(InvDescriptor::device_tlb(bdf, 0, 52));
  co_await submit(descs);
}

Task<> IommuDriver::set_dirty_tracking(Domain& d, bool on, bool flush_iotlb) {
  if (d.dirty_tracking == on) co_return;  // a no-op, as the kernel's drivers treat it
  d.dirty_tracking = on;
  std::vector<InvDescriptor> descs;
  for (uint16_t bdf : d.devices) {
    write_context(bdf, &d);
    descs.push_back(InvDescriptor::context_device(d.did, bdf));
  }
  // Entries filled while tracking was off must not act as dirty-known (skipping this
  // is a negative control).
  // Device TLBs too: a write grant made while tracking was off never set D.
  if (flush_iotlb) {
    descs.push_back(InvDescriptor::iotlb_domain(d.did));
    add_device_tlb(d, descs);
  }
  co_await cpu_.charge(cpu_.cost().pte_write * 2 * d.devices.size());
  co_await submit(descs);
}

Task<HarvestCounts> IommuDriver::read_and_clear_dirty(
    Domain& d, uint64_t iova, uint64_t length, bool no_clear,
    const std::function<void(uint64_t, uint64_t)>& record) {
  HarvestCounts n;
  uint64_t done = 0, table_ptes = 0, table_cleared = 0;
  const HostCost& cost = cpu_.cost();
  while (done < length) {
    const uint64_t at = iova + done;
    auto [addr, level] = find_leaf(d, at);
    const uint64_t span = format_->entry_span(level);
    const uint64_t step = span - at % span;
    if (addr) {
      ++n.ptes;
      ++table_ptes;
      uint64_t* pte = env_.memory.word64(addr);
      if (format_->dirty(*pte)) {
        // The test-and-clear happens at this operation's timestamp.
        if (!no_clear) {
          *pte = format_->without_dirty(*pte);
          ++table_cleared;
          acc_.cleared_pages += span / 4096;
        }
        ++n.dirty;
        record(at, step < length - done ? step : length - done);
      }
    }
    done += step;
    if (done >= length || (iova + done) % format_->entry_span(2) == 0 || table_ptes >= 512) {
      ++n.tables;
      const Ps walk = cost.table_visit + table_ptes * cost.pte_scan;
      const Ps clear = table_cleared * cost.pte_clear;
      if (!cpu_.free()) {
        acc_.walk += walk;
        acc_.clear += clear;
      }
      co_await cpu_.charge(walk + clear);
      table_ptes = table_cleared = 0;
    }
  }
  co_return n;
}

Task<uint64_t> IommuDriver::flush(Domain& d, const Gather& g, const FlushPolicy& policy) {
  DeferredQueue& q = d.deferred;
  if (!policy.deferred()) {
    for (std::vector<InvDescriptor>& group : policy.groups(d.did, g, caps())) {
      account_covered(group);
      // Skipping the device TLBs is a negative control.
      if (policy.config().ats_inv) add_device_tlb(d, group);
      if (!group.empty()) co_await submit(group, policy.waits(), policy.batch());
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
    co_await submit(descs);
  }
  q.covered = std::max(q.covered, gen + 1);
}

Task<> IommuDriver::submit(const std::vector<InvDescriptor>& descs, bool poll, unsigned per_wait) {
  const size_t batch = std::min<size_t>(per_wait ? per_wait : env_.hw.batch, queue_slots_ - 2);
  for (size_t i = 0; i < descs.size(); i += batch)
    co_await submit_batch(descs.data() + i, std::min(batch, descs.size() - i), poll);
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

Task<> IommuDriver::submit_batch(const InvDescriptor* descs, size_t n, bool poll) {
  const uint32_t seq = ++status_seq_;
  auto put = [&](const InvDescriptor& desc) {
    uint64_t lo, hi;
    desc.encode(lo, hi);
    env_.memory.write64(queue_ + tail_ * 16, lo);
    env_.memory.write64(queue_ + tail_ * 16 + 8, hi);
    tail_ = (tail_ + 1) % queue_slots_;
  };
  for (size_t i = 0; i < n; ++i) {
    put(descs[i]);
    account(descs[i]);
  }
  put(InvDescriptor::wait(status_addr_, seq));
  descriptors_ += n;
  ++waits_;
  if (env_.trace.enabled()) {
    const InvDescriptor& f = descs[0];
    env_.trace.record(cpu_.now(), "host", "inv_submit",
                      {TraceField::dec("descriptors", n), TraceField::dec("type", f.type),
                       TraceField::dec("did", f.did), TraceField::hex("addr", f.addr),
                       TraceField::dec("order", f.am), TraceField::dec("seq", seq)});
  }
  const Ps t0 = cpu_.now();
  co_await cpu_.charge(cpu_.cost().descriptor * (n + 1));
  env_.mmio.write(env_.hw.iommu_mmio_base + vtd::IQT, tail_ * 16, 8, cpu_.now());
  co_await cpu_.charge(cpu_.cost().mmio);
  const Ps t1 = cpu_.now();
  if (poll) co_await cpu_.wait_word(env_.memory, status_addr_, seq);
  acc_.submit += t1 - t0;
  acc_.wait += cpu_.now() - t1;
}

}  // namespace sim
