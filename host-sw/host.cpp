#include "host-sw/host.h"

#include <algorithm>
#include <iostream>

#include "host-sw/iova_bitmap.h"

namespace sim {

namespace {
std::string show(Errno e) {
  return errno_name(e);
}

// Sorted, merged ranges as "0x10000+0x1000, ..." for messages.
std::vector<Range> merged(std::vector<Range> rs) {
  std::sort(rs.begin(), rs.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  std::vector<Range> out;
  for (const Range& r : rs) {
    if (!out.empty() && out.back().end() >= r.start) {
      out.back().length = std::max(out.back().end(), r.end()) - out.back().start;
    } else {
      out.push_back(r);
    }
  }
  return out;
}
std::string show(const std::vector<Range>& rs) {
  std::string s = "[";
  for (const Range& r : rs) s += (s.size() > 1 ? ", " : "") + hex(r.start) + "+" + hex(r.length);
  return s + "]";
}
}  // namespace

Host::Host(const HostConfig& c, HostEnv env)
    : c_(c),
      env_(env),
      cpu_(env.dispatcher, c.cost),
      phys_(1ull << 20, env.hw.memory_size - (1ull << 20)),
      vmm_(phys_),
      drv_(env_, cpu_, phys_),
      steps_(env.stats.counter("host.steps", "count", "host steps run")),
      failed_(env.stats.counter("host.steps_failed", "count",
                                "host steps whose result differed from what the scenario expects")),
      late_(env.stats.counter("host.steps_late", "count", "steps that started after their `at`")),
      harvests_(env.stats.counter("host.dirty.harvests", "count", "GET_DIRTY_BITMAP calls")),
      ptes_visited_(env.stats.counter("host.dirty.ptes_visited", "count", "PTEs read by harvests")),
      bits_set_(env.stats.counter("host.dirty.bits_set", "count", "bitmap bits set by harvests")),
      partial_(
          env.stats.counter("host.dirty.partial_harvests", "count",
                            "harvests that stopped early but returned success (kernel quirk)")),
      sticky_reports_(
          env.stats.counter("host.dirty.sticky_reports", "pages",
                            "pages re-reported because their deferred flush had not completed")),
      mig_rounds_(env.stats.counter("migration.rounds", "count", "pre-copy rounds after round 0")),
      mig_pages_(env.stats.counter("migration.pages_copied", "pages", "4 KiB guest pages sent")) {
  env.stats.computed("host.locked_bytes", "bytes",
                     "bytes charged against RLIMIT_MEMLOCK at the end",
                     [this] { return StatValue(int64_t(locked_bytes_)); });
  env.stats.computed("host.polls", "count", "status-word polls while waiting for invalidations",
                     [this] { return StatValue(int64_t(cpu_.polls())); });
  const HostAccounts& acc = drv_.accounts();
  auto ns = [&](const char* name, const char* desc, const Ps HostAccounts::*field) {
    env.stats.computed(name, "ns", desc,
                       [&acc, field] { return StatValue(int64_t(acc.*field / kNs)); });
  };
  ns("host.harvest.walk_ns", "harvest time finding leaf tables and reading PTEs",
     &HostAccounts::walk);
  ns("host.harvest.clear_ns", "harvest time test-and-clearing dirty PTEs", &HostAccounts::clear);
  ns("host.harvest.bitmap_ns", "harvest time writing the user bitmap", &HostAccounts::bitmap);
  ns("host.harvest.submit_ns", "time writing invalidation descriptors and the tail register",
     &HostAccounts::submit);
  ns("host.harvest.wait_ns", "time polling for invalidation waits", &HostAccounts::wait);
  auto count = [&](const char* name, const char* unit, const char* desc,
                   const uint64_t HostAccounts::*field) {
    env.stats.computed(name, unit, desc, [&acc, field] { return StatValue(int64_t(acc.*field)); });
  };
  count("host.inv.page_descriptors", "count", "page-selective IOTLB descriptors submitted",
        &HostAccounts::page_descs);
  count("host.inv.domain_descriptors", "count", "domain or global IOTLB descriptors submitted",
        &HostAccounts::domain_descs);
  count("host.inv.context_descriptors", "count", "context-cache descriptors submitted",
        &HostAccounts::context_descs);
  count("host.flush.pages_cleared", "pages", "4 KiB pages whose D bit harvests cleared",
        &HostAccounts::cleared_pages);
  count("host.flush.pages_covered", "pages",
        "4 KiB pages the harvests' IOTLB invalidations covered", &HostAccounts::covered_pages);
  env.stats.computed("host.flush.amplification", "ratio",
                     "pages covered by invalidations per page cleared",
                     [&acc] { return StatValue(acc.amplification()); });
}

Host::~Host() = default;

void Host::fail(const HostOp& op, const char* list, const std::string& what) {
  ++failed_;
  std::cerr << op.mark.file << ":" << op.mark.line << ": " << list << " " << op.index << " ("
            << op.op << (op.name.empty() ? "" : " " + op.name) << "): " << what << "\n";
}

void Host::boot_and_setup() {
  cpu_.set_free(true);
  for (const VmmMemoryConfig& m : c_.memory) {
    uint64_t va;
    if (vmm_.mmap(m.name, m.size, m.backing, m.readonly, va) != Errno::Ok)
      throw std::runtime_error("host: VMM memory '" + m.name + "' does not fit physical memory");
  }
  drv_.boot();
  setup_fiber_ = Fiber::start(run_setup(), [this](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    setup_done_ = true;
    cpu_.set_free(false);
  });
}

void Host::start_steps() {
  steps_started_ = true;
  steps_fiber_ = Fiber::start(run_steps(), [this](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    steps_done_ = true;
  });
}

Task<> Host::run_setup() {
  for (const HostOp& op : c_.setup) co_await run_op(op, "setup");
}

Task<> Host::run_steps() {
  Ps prev_end = cpu_.now();
  for (const HostOp& op : c_.steps) {
    Ps start = op.after.empty() ? op.at : step_end_[op.after];
    if (start < prev_end) {
      if (op.after.empty()) ++late_;
      start = prev_end;
    }
    co_await SleepUntil{env_.dispatcher, start, Rank::Host};
    co_await run_op(op, "step");
    prev_end = cpu_.now();
  }
}

Task<> Host::run_op(const HostOp& op, const char* list) {
  const Ps begin = cpu_.now();
  const uint64_t id = uint64_t(op.index) + (list[0] == 's' && list[1] == 't' ? 1'000'000 : 0);
  if (env_.trace.enabled())
    env_.trace.record(begin, "host", op.op,
                      {TraceField::str("name", op.name.empty() ? "-" : op.name)}, TracePhase::Begin,
                      id);
  ++steps_;
  co_await cpu_.charge(cpu_.cost().syscall);
  std::string detail;
  Errno e = co_await execute(op, detail);
  if (e != op.expect)
    fail(op, list, "expected " + show(op.expect) + ", got " + show(e));
  else if (!detail.empty())
    fail(op, list, detail);
  const Ps end = cpu_.now();
  if (env_.trace.enabled())
    env_.trace.record(end, "host", op.op, {TraceField::str("result", show(e))}, TracePhase::End,
                      id);
  if (!op.name.empty()) {
    step_end_[op.name] = end;
    if (step_done_) step_done_(op.name, end);
  }
}

Task<Errno> Host::execute(const HostOp& op, std::string& detail) {
  const std::string& o = op.op;
  if (o == "wait") co_return Errno::Ok;
  if (o == "mmap") {
    uint64_t va;
    co_return vmm_.mmap(op.user, op.size, op.backing, op.readonly, va);
  }
  if (o == "munmap") co_return vmm_.munmap(op.user);
  if (o == "device_quiesce" || o == "device_resume")
    co_return co_await device_control(op.device, o == "device_quiesce");
  if (o == "ioas_alloc") {
    if (ioas_.count(op.id)) co_return Errno::Eexist;
    ioas_[op.id] = std::make_unique<Ioas>();
    co_return Errno::Ok;
  }
  if (o == "hwpt_alloc") co_return co_await hwpt_alloc(op);
  if (o == "attach") co_return co_await attach(op);
  if (o == "set_dirty_tracking") co_return co_await set_dirty_tracking(op);
  if (o == "get_dirty_bitmap") co_return co_await get_dirty_bitmap(op, detail);
  if (o == "migrate") co_return co_await migrate(op);
  if (o == "detach") {
    auto it = attached_.find(op.device);
    if (it == attached_.end()) co_return Errno::Einval;
    uint16_t bdf = 0;
    for (const auto& d : env_.hw.devices)
      if (d.name == op.device) bdf = d.bdf;
    co_await drv_.detach(*hwpts_[it->second].domain, bdf);
    attached_.erase(it);
    co_return Errno::Ok;
  }
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  IoPagetable& iopt = io->second->iopt;
  if (o == "ioas_destroy") {
    if (io->second->users) co_return Errno::Ebusy;
    uint64_t n, unpinned;
    co_await iopt.unmap(drv_, 0, UINT64_MAX, n, unpinned);
    locked_bytes_ -= unpinned;
    ioas_.erase(io);
    co_return Errno::Ok;
  }
  if (o == "ioas_map") {
    const VmmMapping* m = vmm_.find(op.user);
    if (!m) co_return Errno::Efault;
    const uint64_t pages = (op.length + (m->va + op.offset) % 4096 + 4095) / 4096 * 4096;
    // RLIMIT_MEMLOCK: pinned pages are charged once per mapping when first pinned.
    const bool pins = !iopt.domains().empty();
    if (pins && c_.memlock && locked_bytes_ + pages > c_.memlock) co_return Errno::Enomem;
    Errno e =
        co_await iopt.map_fixed(drv_, vmm_, op.iova, m->va + op.offset, op.length, op.r, op.w);
    if (e == Errno::Ok && pins) locked_bytes_ += pages;
    co_return e;
  }
  if (o == "ioas_unmap") {
    if (op.length_all && op.iova != 0) co_return Errno::Einval;
    uint64_t n = 0, unpinned = 0;
    Errno e =
        co_await iopt.unmap(drv_, op.iova, op.length_all ? UINT64_MAX : op.length, n, unpinned);
    locked_bytes_ -= unpinned;  // also for areas removed before an error (not atomic)
    co_return e;
  }
  co_return Errno::Einval;
}

Task<Errno> Host::hwpt_alloc(const HostOp& op) {
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  if (hwpts_.count(op.id)) co_return Errno::Eexist;
  // Dirty tracking needs walks that see the CPU's clears (VT-d: coherent walks).
  if (op.dirty_tracking && !env_.hw.coherent_walk) co_return Errno::Eopnotsupp;
  Hwpt h{op.ioas, drv_.domain_alloc(), op.dirty_tracking, {}};
  // The first domain makes the IOAS pin: charge every area once.
  const bool first = io->second->iopt.domains().empty();
  Errno e = co_await io->second->iopt.add_domain(drv_, vmm_, h.domain);
  if (e != Errno::Ok) co_return e;
  if (first)
    for (const auto& [iova, a] : io->second->iopt.areas())
      locked_bytes_ += (a.length + 4095) / 4096 * 4096;
  ++io->second->users;
  hwpts_[op.id] = h;
  co_return Errno::Ok;
}

Task<Errno> Host::attach(const HostOp& op) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  if (attached_.count(op.device)) co_return Errno::Ebusy;
  uint16_t bdf = 0;
  for (const auto& d : env_.hw.devices)
    if (d.name == op.device) bdf = d.bdf;
  co_await drv_.attach(*h->second.domain, bdf);
  attached_[op.device] = op.hwpt;
  co_return Errno::Ok;
}

Task<Errno> Host::set_dirty_tracking(const HostOp& op) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  if (!h->second.dirty_capable) co_return Errno::Eopnotsupp;
  Domain& d = *h->second.domain;
  if (op.enable && !d.dirty_tracking) {
    // Start from a clean snapshot: clear every D bit, one sync, then enable.
    Gather g;
    auto rec = [&g](uint64_t iova, uint64_t len) { g.add(iova, len); };
    for (const auto& [iova, a] : ioas_[h->second.ioas]->iopt.areas())
      co_await drv_.read_and_clear_dirty(d, a.iova, a.length, false, rec);
    std::unique_ptr<FlushPolicy> gather = make_flush_policy("gather");
    co_await drv_.flush(d, g, *gather);
  }
  co_await drv_.set_dirty_tracking(d, op.enable, op.enable_flush);
  co_return Errno::Ok;
}

uint64_t Host::scratch_bitmap(uint64_t bytes) {
  if (bytes > scratch_size_) {
    if (scratch_size_) vmm_.munmap(scratch_name_);
    scratch_name_ = "(bitmap " + std::to_string(++scratch_seq_) + ")";
    scratch_size_ = (bytes + 4095) / 4096 * 4096;
    if (vmm_.mmap(scratch_name_, scratch_size_, 4096, false, scratch_va_) != Errno::Ok) {
      scratch_size_ = 0;
      return 0;
    }
  }
  return scratch_va_;
}

Task<Errno> Host::get_dirty_bitmap(const HostOp& op, std::string& detail,
                                   std::vector<Range>* reported) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  IoPagetable& iopt = ioas_[h->second.ioas]->iopt;
  // Range checks in the kernel's order (iommufd-semantics §4.3).
  if (op.iova + (op.length - 1) < op.iova) co_return Errno::Eoverflow;
  const uint64_t end = op.iova + op.length;  // wraps to 0 for the whole space
  const uint64_t align = iopt.alignment();
  if (op.iova % align || end % align) co_return Errno::Einval;
  if (op.page_size == 0) co_return Errno::Einval;
  if ((op.iova & (op.page_size - 1)) || (end & (op.page_size - 1))) co_return Errno::Einval;
  if (!h->second.dirty_capable) co_return Errno::Eopnotsupp;
  // Like the kernel, the bit granule is the lowest set bit of page_size.
  const uint64_t granule = op.page_size & -op.page_size;
  if (op.length == 0 || op.length / granule / 8 > (1ull << 30)) co_return Errno::Enomem;
  const uint64_t bytes = IovaBitmap::bytes_needed(op.length, granule);
  const uint64_t base = scratch_bitmap(bytes + op.bitmap_offset);
  if (!base) co_return Errno::Enomem;
  const uint64_t user_va = base + op.bitmap_offset;
  for (uint64_t i = 0; i < bytes; ++i) {  // the VMM hands over a zeroed buffer
    uint8_t z = 0;
    env_.memory.write(*vmm_.pa(user_va + i), &z, 1);
  }
  ++harvests_;
  Domain& d = *h->second.domain;
  IovaBitmap bm(vmm_, env_.memory, user_va, op.iova, op.length, granule, op.window_pages);
  Gather g;
  uint64_t span_start = UINT64_MAX, span_end = 0;  // for the trace: all this call cleared
  auto record = [&](uint64_t iova, uint64_t len) {
    bm.set(iova, len);
    if (op.no_clear) return;
    g.add(iova, len);
    span_start = std::min(span_start, iova);
    span_end = std::max(span_end, iova + len);
  };
  bool partial = false;
  IovaBitmap::Window w;
  std::unique_ptr<FlushPolicy> policy = make_flush_policy(op.flush);
  Hwpt& hw = h->second;
  const bool sticky = policy->deferred() && policy->config().sticky;
  while (!partial && bm.next(w)) {
    if (sticky)
      hw.sticky.for_each(w.iova, w.iova + w.length, [&](uint64_t at, uint64_t len) {
        bm.set(at, len);
        sticky_reports_ += (len + 4095) / 4096;
      });
    for (uint64_t cur = w.iova, wend = w.iova + w.length; cur < wend;) {
      const IoptArea* a = iopt.area_at(cur);
      // A hole, or tracking off (the driver refuses): the kernel stops and says 0.
      if (!a || !d.dirty_tracking) {
        partial = true;
        break;
      }
      const uint64_t slice_end = std::min(wend, a->last() + 1);
      HarvestCounts n =
          co_await drv_.read_and_clear_dirty(d, cur, slice_end - cur, op.no_clear, record);
      ptes_visited_ += n.ptes;
      cur = slice_end;
    }
    if (policy->per_window() && !op.no_clear) co_await flush_cleared(hw, g, *policy);
  }
  if (partial) ++partial_;
  bits_set_ += bm.bits_set();
  const Ps bitmap = bm.bits_set() / 8 * cpu_.cost().bitmap_write;
  if (!cpu_.free()) drv_.accounts().bitmap += bitmap;
  co_await cpu_.charge(bitmap);
  if (!op.no_clear) co_await flush_cleared(hw, g, *policy);
  // Reported in this call, and their flush completed before it returns: the copy that
  // follows sees every write the stale entries let through.
  if (sticky) hw.sticky.drop_covered(op.iova, end ? end : UINT64_MAX, d.deferred.covered);
  if (env_.trace.enabled())
    env_.trace.record(
        cpu_.now(), "host", "harvest",
        {TraceField::hex("iova", op.iova), TraceField::hex("length", op.length),
         TraceField::dec("bits", bm.bits_set()), TraceField::dec("windows", bm.windows()),
         TraceField::hex("span_start", span_end ? span_start : 0),
         TraceField::hex("span_end", span_end),
         TraceField::str("flush", op.no_clear ? "no_clear" : op.flush.name)});
  if (op.expect_dirty || reported) {
    std::vector<Range> got;
    for (uint64_t i = 0; i < bytes; ++i) {
      uint8_t v = 0;
      env_.memory.read(*vmm_.pa(user_va + i), &v, 1);
      for (unsigned b = 0; b < 8; ++b)
        if (v >> b & 1) got.push_back({op.iova + (i * 8 + b) * granule, granule});
    }
    std::vector<Range> have = merged(got);
    if (reported) *reported = have;
    if (op.expect_dirty) {
      std::vector<Range> want = merged(*op.expect_dirty);
      bool same = want.size() == have.size();
      for (size_t i = 0; same && i < want.size(); ++i)
        same = want[i].start == have[i].start && want[i].length == have[i].length;
      if (!same) detail = "expected dirty " + show(want) + ", got " + show(have);
    }
  }
  co_return Errno::Ok;
}

Task<> Host::flush_cleared(Hwpt& h, Gather& g, const FlushPolicy& policy) {
  const uint64_t gen = co_await drv_.flush(*h.domain, g, policy);
  if (policy.deferred() && policy.config().sticky)
    for (const Range& r : g.records) h.sticky.add(r.start, r.length, gen);
  g = Gather{};
}

std::string Host::check_invariants() const {
  uint64_t pinned = 0;
  for (const auto& [name, io] : ioas_) {
    const IoPagetable& iopt = io->iopt;
    uint64_t prev_end = 0;
    bool first = true;
    for (const auto& [iova, a] : iopt.areas()) {
      if (!first && a.iova < prev_end) return "IOAS " + name + ": areas overlap at " + hex(a.iova);
      first = false;
      prev_end = a.iova + a.length;
      if (!iopt.domains().empty()) pinned += a.pinned_bytes();
      // Sample the area: its first and last pages and up to 64 in between.
      const uint64_t pages = (a.length + 4095) / 4096, step = pages > 64 ? pages / 64 : 1;
      std::vector<uint64_t> sample;
      for (uint64_t p = 0; p < pages; p += step) sample.push_back(p);
      if (sample.back() != pages - 1) sample.push_back(pages - 1);
      for (const Domain* d : iopt.domains()) {
        for (uint64_t p : sample) {
          const uint64_t at = a.iova + p * 4096;
          auto [pte_addr, level] = drv_.find_leaf(*d, at);
          if (!pte_addr)
            return "IOAS " + name + ": " + hex(at) + " not mapped in domain " +
                   std::to_string(d->did);
          Pte pte = drv_.format().decode(env_.memory.read64(pte_addr), level);
          const uint64_t span = drv_.format().entry_span(level);
          const uint64_t pa = pte.addr + (at & (span - 1));
          auto want = vmm_.pa(a.user_va + p * 4096);
          if (!want) continue;  // the VMM unmapped it; the pinned page stays mapped
          if (pa != (*want & ~0xfffull))
            return "IOAS " + name + ": " + hex(at) + " maps " + hex(pa) + ", expected " +
                   hex(want ? *want : 0);
          if (pte.w != a.w || pte.r != a.r)
            return "IOAS " + name + ": " + hex(at) + " has the wrong permission";
        }
      }
    }
  }
  if (pinned != locked_bytes_)
    return "locked " + std::to_string(locked_bytes_) + " bytes, pinned " + std::to_string(pinned);
  return "";
}

void Host::finalize() {
  if (steps_started_ && !steps_done_) {
    ++failed_;
    std::cerr << "host: a step was still running at the end of the simulation\n";
  }
}

}  // namespace sim
