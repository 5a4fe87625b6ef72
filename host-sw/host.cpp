#include "host-sw/host.h"

#include <algorithm>
#include <iostream>

#include "host-sw/iova_bitmap.h"

namespace sim {

namespace {
constexpr uint64_t kMsiFirst = 0xfee00000, kMsiLast = 0xfeefffff;

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
      ledger_(c.memlock),
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
  // CAP_IPC_LOCK: pages are created in accounting mode NONE (never charged).
  ledger_.set_new_mode(c.cap_ipc_lock ? AccountMode::None : AccountMode::User);
  env.stats.computed("host.locked_bytes", "bytes",
                     "bytes charged against RLIMIT_MEMLOCK at the end",
                     [this] { return StatValue(int64_t(ledger_.locked_bytes())); });
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
  std::string detail, missing;
  Errno e;
  if (op.iova_ref.empty() && op.dst_iova_ref.empty()) {
    e = co_await execute(op, detail);
  } else {
    // Saved IOVAs are resolved now: the op that saves one may have failed.
    HostOp resolved = op;
    for (auto [ref, iova] : {std::pair{&op.iova_ref, &resolved.iova},
                             std::pair{&op.dst_iova_ref, &resolved.dst_iova}}) {
      if (ref->empty()) continue;
      auto it = saved_iovas_.find(*ref);
      if (it == saved_iovas_.end())
        missing = *ref;
      else
        *iova = it->second;
    }
    if (missing.empty()) {
      e = co_await execute(resolved, detail);
    } else {
      e = Errno::Einval;  // not run
    }
  }
  if (!missing.empty())
    fail(op, list, "no IOVA saved as '" + missing + "' (the op saving it failed)");
  else if (e != op.expect)
    fail(op, list, "expected " + show(op.expect) + ", got " + show(e));
  else if (!detail.empty())
    fail(op, list, detail);
  if (check_each_op_)
    if (std::string broken = check_invariants(); !broken.empty())
      fail(op, list, "invariant broken: " + broken);
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
    ioas_[op.id] = std::make_unique<Ioas>(ledger_);
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
    const Hwpt& h = hwpts_[it->second];
    co_await drv_.detach(*h.domain, bdf);
    ioas_[h.ioas]->iopt.unreserve("device " + op.device);
    attached_.erase(it);
    co_return Errno::Ok;
  }
  co_return co_await ioas_op(op, detail);
}

Task<Errno> Host::hwpt_alloc(const HostOp& op) {
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  if (hwpts_.count(op.id)) co_return Errno::Eexist;
  // Dirty tracking needs walks that see the CPU's clears (VT-d: coherent walks).
  if (op.dirty_tracking && !env_.hw.coherent_walk) co_return Errno::Eopnotsupp;
  Hwpt h{op.ioas, drv_.domain_alloc(), op.dirty_tracking, {}};
  // The aperture is what the page table's levels translate (48 bits with 4 levels);
  // adding the domain pins every area (the first domain) and charges it once.
  const unsigned bits = 12 + 9 * drv_.format().levels();
  const uint64_t aperture_last = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
  Errno e = co_await io->second->iopt.add_domain(drv_, vmm_, h.domain, aperture_last);
  if (e != Errno::Ok) co_return e;
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
  // The device's reserved regions go into the IOAS (§1.10): on x86 the MSI window,
  // an IOMMU_RESV_MSI region, owned by the device; EADDRINUSE over an area or an
  // allowed range, and the attach fails.
  Errno e = ioas_[h->second.ioas]->iopt.reserve(kMsiFirst, kMsiLast, "device " + op.device);
  if (e != Errno::Ok) co_return e;
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
  // Pages covered by areas stored in domains, per pages object: must be what the
  // ledger pins, and the charge must equal the pinned pages.
  std::map<uint64_t, std::vector<IovaRange>> covers;
  for (const auto& [name, io] : ioas_) {
    const IoPagetable& iopt = io->iopt;
    const std::string where = "IOAS " + name + ": ";
    if (iopt.alignment() != iopt.computed_alignment())
      return where + "alignment " + std::to_string(iopt.alignment()) + ", expected " +
             std::to_string(iopt.computed_alignment());
    const auto& allowed = iopt.allowed();
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (allowed[i].start >= allowed[i].last) return where + "an empty allowed range";
      for (size_t j = 0; j < i; ++j)
        if (allowed[j].start <= allowed[i].last && allowed[i].start <= allowed[j].last)
          return where + "allowed ranges overlap";
      for (const ReservedRange& r : iopt.reserved())
        if (r.range.start <= allowed[i].last && allowed[i].start <= r.range.last)
          return where + "allowed range meets reserved " + hex(r.range.start);
    }
    uint64_t prev_end = 0;
    bool first = true;
    for (const auto& [iova, a] : iopt.areas()) {
      if (!first && a.iova < prev_end) return where + "areas overlap at " + hex(a.iova);
      first = false;
      prev_end = a.iova + a.length;
      if (!a.pages) return where + "area " + hex(a.iova) + " has no pages";
      if (a.user_va < a.pages->uptr || a.user_va + a.length > a.pages->uptr + a.pages->length)
        return where + "area " + hex(a.iova) + " outside its pages";
      if (a.w && !a.pages->writable) return where + "writable area on read-only pages";
      const uint64_t al = iopt.alignment();
      if (a.iova % al || a.length % al || a.page_offset() % al)
        return where + "area " + hex(a.iova) + " not aligned to " + std::to_string(al);
      if (a.iova != iova || a.length == 0 || a.iova + (a.length - 1) < a.iova)
        return where + "area " + hex(a.iova) + " malformed";
      for (const ReservedRange& r : iopt.reserved())
        if (r.range.start <= a.last() && a.iova <= r.range.last)
          return where + "area " + hex(a.iova) + " inside reserved (" + r.owner + ")";
      if (!iopt.domains().empty()) covers[a.pages->id].push_back({a.first_page(), a.last_page()});
      if (ledger_.mode(a.pages->id) == AccountMode::None && !c_.cap_ipc_lock)
        return where + "area " + hex(a.iova) + " not accounted without CAP_IPC_LOCK";
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
            return where + hex(at) + " not mapped in domain " + std::to_string(d->did);
          Pte pte = drv_.format().decode(env_.memory.read64(pte_addr), level);
          const uint64_t span = drv_.format().entry_span(level);
          const uint64_t pa = pte.addr + (at & (span - 1));
          auto want = vmm_.pa(a.user_va + p * 4096);
          if (!want) continue;  // the VMM unmapped it; the pinned page stays mapped
          if (pa != (*want & ~0xfffull))
            return where + hex(at) + " maps " + hex(pa) + ", expected " + hex(*want);
          if (pte.w != a.w || pte.r != a.r)
            return where + hex(at) + " has the wrong permission";
          if (!iopt.huge_pages() && level != 1)
            return where + hex(at) + " in a large IOPTE with huge pages off";
        }
      }
    }
  }
  uint64_t pinned = 0, charged = 0;
  for (auto& [id, rs] : covers) {  // the size of the union of page ranges
    const uint64_t before = pinned;
    std::sort(rs.begin(), rs.end(),
              [](const IovaRange& x, const IovaRange& y) { return x.start < y.start; });
    uint64_t next = 0;  // first page not yet counted
    for (const IovaRange& r : rs) {
      const uint64_t from = std::max(r.start, next);
      if (r.last >= from) pinned += r.last - from + 1;
      next = std::max(next, r.last + 1);
    }
    if (ledger_.mode(id) != AccountMode::None) charged += pinned - before;
  }
  if (pinned != ledger_.pinned_pages())
    return "ledger pins " + std::to_string(ledger_.pinned_pages()) + " pages, areas cover " +
           std::to_string(pinned);
  if (ledger_.charged_pages() != charged || ledger_.locked_bytes() != charged * 4096)
    return "charge " + std::to_string(ledger_.charged_pages()) + " pages, accounted pages pinned " +
           std::to_string(charged);
  if (c_.memlock && ledger_.locked_bytes() > c_.memlock) return "charge above RLIMIT_MEMLOCK";
  return "";
}

void Host::finalize() {
  if (steps_started_ && !steps_done_) {
    ++failed_;
    std::cerr << "host: a step was still running at the end of the simulation\n";
  }
}

}  // namespace sim
