#include "host-sw/vmm/host.h"

#include "host-sw/vmm/guest_iommu.h"

#include <algorithm>
#include <iostream>

namespace sim {

namespace {

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
  // Only a machine with a device DMA logger has these.
  for (const HardwareInfo::Device& d : env.hw.devices)
    if (d.dma_logging && !log_reports_) {
      log_reports_ = &env.stats.counter("host.dma_log.reports", "count",
                                        "device DMA-log reports the host asked for");
      log_bytes_ = &env.stats.counter("host.dma_log.bitmap_bytes", "bytes",
                                      "report bitmap bytes the host read back");
      log_errors_ =
          &env.stats.counter("host.dma_log.report_errors", "count",
                             "reports the device refused (EIO after an overflow, EINVAL, ...)");
    }
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
  for (const auto* list : {&c_.setup, &c_.steps})
    for (const auto& op : *list) op->prepare(*this);
}

Host::~Host() = default;

void Host::fail(const HostOperation& op, const char* list, const std::string& what) {
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
  if (c_.guest.enabled) {  // the guest runs beside the VMM's steps, on its own vCPU
    guest_ = std::make_unique<GuestIommu>(*this, c_.guest);
    guest_fiber_ = Fiber::start(guest_->run(), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }
  steps_fiber_ = Fiber::start(run_steps(), [this](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    steps_done_ = true;
  });
}

Task<> Host::run_setup() {
  for (const auto& op : c_.setup) co_await run_op(*op, "setup");
}

Task<> Host::run_steps() {
  Ps prev_end = cpu_.now();
  for (const auto& step : c_.steps) {
    const HostOperation& op = *step;
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

Task<> Host::run_op(const HostOperation& op, const char* list) {
  const Ps begin = cpu_.now();
  const uint64_t id = uint64_t(op.index) + (list[0] == 's' && list[1] == 't' ? 1'000'000 : 0);
  if (env_.trace.enabled())
    env_.trace.record(begin, "host", op.op,
                      {TraceField::str("name", op.name.empty() ? "-" : op.name)}, TracePhase::Begin,
                      id);
  ++steps_;
  co_await cpu_.charge(cpu_.cost().syscall);
  OpOutcome out;
  const Errno e = (c_.fail_nth || op.fail_nth) && op.injectable()
                      ? co_await run_injected(op, std::string_view(list) == "setup", out)
                      : co_await op.call(*this, out);
  if (!out.missing.empty())
    fail(op, list, "no IOVA saved as '" + out.missing + "' (the op saving it failed)");
  else if (e != op.expect)
    fail(op, list, "expected " + show(op.expect) + ", got " + show(e));
  else if (!out.detail.empty())
    fail(op, list, out.detail);
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

IoPagetable* Host::find_ioas(const std::string& id) {
  auto it = ioas_.find(id);
  return it == ioas_.end() ? nullptr : &it->second->iopt;
}

uint64_t& Host::tracker_counter(const std::string& name, const char* unit, const char* desc) {
  auto it = tracker_counters_.find(name);
  if (it == tracker_counters_.end())
    it = tracker_counters_.emplace(name, &env_.stats.counter(name, unit, desc)).first;
  return *it->second;
}

const HardwareInfo::Device* Host::device_info(const std::string& device) const {
  for (const auto& d : env_.hw.devices)
    if (d.name == device) return &d;
  return nullptr;
}

std::string Host::attach_owner(const std::string& device, uint32_t pasid) {
  return "device " + device + (pasid == kNoPasid ? "" : " pasid " + std::to_string(pasid));
}

void Host::set_rlimit_mm(bool mm) {
  rlimit_mm_ = mm;
  // New pages are MM when the context says so, unless CAP_IPC_LOCK makes them NONE.
  if (!c_.cap_ipc_lock) ledger_.set_new_mode(rlimit_mm_ ? AccountMode::Mm : AccountMode::User);
}

std::optional<uint64_t> Host::resolve(const IovaArg& a, OpOutcome& out) const {
  if (a.ref.empty()) return a.value;
  auto it = saved_iovas_.find(a.ref);
  if (it != saved_iovas_.end()) return it->second;
  out.missing = a.ref;
  return std::nullopt;
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
