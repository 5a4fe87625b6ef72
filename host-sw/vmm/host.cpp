#include "host-sw/vmm/host.h"

#include <algorithm>
#include <iostream>

#include "host-sw/iommufd/iova_bitmap.h"

namespace sim {

namespace {
constexpr uint64_t kMsiFirst = 0xfee00000, kMsiLast = 0xfeefffff;

std::string show(Errno e) {
  return errno_name(e);
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
  env.stats.computed("host.pinned_bytes", "bytes",
                     "bytes pinned at the end, charged or not (pinned_vm)",
                     [this] { return StatValue(int64_t(ledger_.pinned_pages() * 4096)); });
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
  register_vfio_stats();
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
    ioas_[op.id]->iopt.set_batch_runs(c_.pfn_batch_runs);
    co_return Errno::Ok;
  }
  if (o == "hwpt_alloc") co_return co_await hwpt_alloc(op);
  if (o == "hwpt_destroy") co_return co_await hwpt_destroy(op);
  if (o.starts_with("access_")) co_return co_await access_op(op);
  if (o == "attach") co_return co_await attach(op);
  if (o == "set_dirty_tracking") co_return co_await set_dirty_tracking(op);
  if (o == "get_dirty_bitmap") co_return co_await get_dirty_bitmap(op, detail);
  if (o == "migrate") co_return co_await migrate(op);
  if (o.rfind("vfio_", 0) == 0) co_return co_await vfio_op(op, detail);
  if (o == "detach") {
    auto it = attached_.find({op.device, op.pasid});
    if (it == attached_.end()) co_return Errno::Einval;
    uint16_t bdf = 0;
    for (const auto& d : env_.hw.devices)
      if (d.name == op.device) bdf = d.bdf;
    const Hwpt& h = hwpts_[it->second];
    co_await drv_.detach(*h.domain, bdf, op.pasid);
    ioas_[h.ioas]->iopt.unreserve(attach_owner(op));
    attached_.erase(it);
    if (auto v = vfio_.find(h.ioas); v != vfio_.end()) v->second->device_detached();
    co_return Errno::Ok;
  }
  co_return co_await ioas_op(op, detail);
}

Task<Errno> Host::hwpt_alloc(const HostOp& op) {
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  if (hwpts_.count(op.id)) co_return Errno::Eexist;
  // Dirty tracking needs walks that see the CPU's clears (VT-d: coherent walks): on
  // the given device's unit, or on every unit when no device is named.
  if (op.dirty_tracking && !tracking_capable(op.device)) co_return Errno::Eopnotsupp;
  Hwpt h{op.ioas, drv_.domain_alloc(op.dirty_tracking), op.dirty_tracking, {}};
  // The aperture is what the page table's levels translate (48 bits with 4 levels);
  // adding the domain pins every area (the first domain) and charges it once.
  const unsigned bits = drv_.format().iova_bits();
  const uint64_t aperture_last = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
  Errno e = co_await io->second->iopt.add_domain(drv_, vmm_, h.domain, aperture_last);
  if (e != Errno::Ok) {
    drv_.domain_free(h.domain);  // its tables go with it
    co_return e;
  }
  ++io->second->users;
  hwpts_[op.id] = h;
  co_return Errno::Ok;
}

Task<Errno> Host::attach(const HostOp& op) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  if (attached_.count({op.device, op.pasid})) co_return Errno::Ebusy;
  uint16_t bdf = 0;
  bool ats = false;
  for (const auto& d : env_.hw.devices)
    if (d.name == op.device) std::tie(bdf, ats) = std::pair(d.bdf, d.ats);
  // PASID-tagged device-TLB invalidation is not modelled.
  if (op.pasid != kNoPasid && ats) co_return Errno::Eopnotsupp;
  // A tracking domain on a unit that cannot track (the kernel's drivers refuse it).
  if (h->second.dirty_capable && !tracking_capable(op.device)) co_return Errno::Einval;
  // The device's reserved regions go into the IOAS (§1.10): on x86 the MSI window,
  // an IOMMU_RESV_MSI region, owned by the device; EADDRINUSE over an area or an
  // allowed range, and the attach fails.
  Errno e = ioas_[h->second.ioas]->iopt.reserve(kMsiFirst, kMsiLast, attach_owner(op));
  if (e != Errno::Ok) co_return e;
  co_await drv_.attach(*h->second.domain, bdf, op.pasid);
  attached_[{op.device, op.pasid}] = op.hwpt;
  co_return Errno::Ok;
}

std::string Host::attach_owner(const HostOp& op) {
  return "device " + op.device + (op.pasid == kNoPasid ? "" : " pasid " + std::to_string(op.pasid));
}

bool Host::tracking_capable(const std::string& device) const {
  for (const auto& d : env_.hw.devices)
    if (d.name == device) return env_.hw.units.at(d.unit).coherent_walk;
  for (const auto& u : env_.hw.units)
    if (!u.coherent_walk) return false;
  return true;
}

void Host::finalize() {
  if (steps_started_ && !steps_done_) {
    ++failed_;
    std::cerr << "host: a step was still running at the end of the simulation\n";
  }
}

}  // namespace sim
