// The migrate step: a pre-copy live migration of the VMM memory behind an IOAS while
// devices keep doing DMA, asking its dirty tracker (tracker.h) for the pages written
// between copies.
#include <algorithm>

#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"

namespace sim {

Task<Errno> Host::device_control(const std::string& device, bool stop) {
  const HardwareInfo::Device* dev = nullptr;
  for (const auto& d : env_.hw.devices)
    if (d.name == device) dev = &d;
  if (!dev || !dev->ctrl) co_return Errno::Enoent;
  env_.mmio.write(dev->ctrl, stop ? 1 : 0, 4, cpu_.now());
  co_await cpu_.charge(cpu_.cost().mmio);
  // A stop returns once the device has drained its requests in flight.
  while (stop && !(env_.mmio.read(dev->ctrl + 4, 4, cpu_.now()) & 1))
    co_await cpu_.charge(cpu_.cost().poll);
  co_return Errno::Ok;
}

Task<> Host::quiesce_devices(const std::string& ioas) {
  std::set<std::string> devices;  // a device attached twice (RID and PASID) stops once
  for (const auto& [key, hwpt] : attached_)
    if (hwpts_[hwpt].ioas == ioas) devices.insert(key.first);
  for (const std::string& device : devices) co_await device_control(device, true);
}

// The guest pages (4 KiB, by physical address) behind an area; how many were new.
uint64_t Host::add_guest_pages(const IoptArea& a, PageSet& pending) const {
  uint64_t added = 0;
  for (uint64_t off = 0; off < a.length; off += 4096)
    if (auto pa = vmm_.pa(a.user_va + off); pa && pending.insert(*pa)) ++added;
  return added;
}

uint64_t Host::add_reported_pages(const IoPagetable& iopt, const std::vector<Range>& ranges,
                                  PageSet& pending) const {
  uint64_t added = 0;
  for (const Range& r : ranges)
    for (uint64_t at = r.start; at < r.end(); at += 4096) {
      const IoptArea* a = iopt.area_at(at);
      if (!a) continue;
      auto pa = vmm_.pa(a->user_va + (at - a->iova));
      if (pa && pending.insert(*pa)) ++added;
    }
  return added;
}

// Sends pages at the copy bandwidth, a chunk per atomic host operation: each page's
// contents are taken when its chunk starts. The pages are read off the set in order as
// they go (nothing inserts into it meanwhile), never listed: a 1 TiB guest's first
// round is 256 Mi pages.
Task<> Host::copy_pages(PageSet& pages, uint64_t bandwidth) {
  const uint64_t chunk = 16;
  mig_progress_.pages_left = pages.size();
  for (uint64_t p = pages.next(0); p != PageSet::kEnd;) {
    uint64_t n = 0;
    for (; n < chunk && p != PageSet::kEnd; ++n, p = pages.next(p + 4096))
      if (env_.observer) env_.observer->copied(p, cpu_.now());
    mig_progress_.pages_left -= n;
    co_await cpu_.charge(transfer_ps(n * 4096, bandwidth));
  }
  pages.clear();
}

Host::RoundMark Host::round_mark() const {
  // IOTLB figures for rounds.csv only: nothing the host does depends on them.
  return {drv_.accounts(), env_.stats.count("iommu.iotlb.entries_killed"),
          env_.stats.count("iommu.iotlb.misses")};
}

void Host::record_round(MigrationRound r, const RoundMark& start) {
  const RoundMark end = round_mark();
  r.cost = end.acc - start.acc;
  r.killed = end.killed - start.killed;
  r.misses = end.misses - start.misses;
  rounds_.push_back(r);
}

// Sends what a round found and records the round.
Task<> Host::send_round(MigrationRound r, const RoundMark& start, PageSet& pending,
                        uint64_t bandwidth) {
  const Ps c0 = cpu_.now();
  r.copied = pending.size();
  mig_pages_ += pending.size();
  co_await copy_pages(pending, bandwidth);
  r.copy_ps = cpu_.now() - c0;
  record_round(r, start);
}

// A tracker that cannot go on ends the migration (as QEMU fails it): tracking stops,
// the guest stays on the source (so the oracle judges nothing), and the step returns
// the tracker's errno.
Task<Errno> Host::abort_migration(DirtyTracker& tracker, const MigrationParams& op, Errno e) {
  co_await tracker.stop(*this, op);
  mig_progress_.active = false;
  co_return e;
}

Task<Errno> Host::migrate(const MigrationParams& op) {
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  uint64_t& rounds = mig_rounds_;
  uint64_t& copied = mig_pages_;
  // The tracker runs from before round 0 to after the final harvest (as QEMU's
  // log_global_start / _stop).
  const std::unique_ptr<DirtyTracker> tracker = op.tracker->make(*this, op);
  if (Errno e = co_await tracker->start(*this, op); e != Errno::Ok) co_return e;
  if (op.split_shift) co_await split_for_migration(op.ioas, op.split_shift, false);
  // Round 0: every guest page behind the IOAS.
  PageSet pending;
  mig_progress_ = {true, 0, 0};
  for (const auto& [iova, a] : io->second->iopt.areas()) add_guest_pages(a, pending);
  if (op.churn.on) start_churn(op);
  const RoundMark m0 = round_mark();
  MigrationRound r0{0, cpu_.now(), 0, 0, pending.size(), pending.size(), false, {}, 0, 0};
  copied += pending.size();
  if (op.initial_copy_free) {
    if (env_.observer)
      for (uint64_t p = pending.next(0); p != PageSet::kEnd; p = pending.next(p + 4096))
        env_.observer->copied(p, cpu_.now());
    pending.clear();
  } else {
    co_await copy_pages(pending, op.copy_bandwidth);
  }
  r0.copy_ps = cpu_.now() - r0.start;
  record_round(r0, m0);
  // Pre-copy rounds until what is left fits the downtime budget.
  const uint64_t budget_pages =
      uint64_t((unsigned __int128)op.downtime_limit * op.copy_bandwidth / kSec / 4096);
  for (unsigned n = 1; n <= op.max_rounds; ++n) {
    MigrationRound r{n, cpu_.now(), 0, 0, 0, 0, false, {}, 0, 0};
    mig_progress_.round = n;
    if (op.pacing_fixed && n > 1) {
      co_await SleepUntil{env_.dispatcher, rounds_.back().start + op.interval, Rank::Host};
      r.start = cpu_.now();
    }
    const RoundMark m = round_mark();
    r.reported = co_await locked_harvest(*tracker, op, false, pending);
    if (Errno e = tracker->error(); e != Errno::Ok)
      co_return co_await abort_migration(*tracker, op, e);
    r.harvest_ps = cpu_.now() - r.start;
    ++rounds;
    if (pending.size() <= budget_pages) {
      record_round(r, m);  // its pages go with the final copy
      break;
    }
    co_await send_round(r, m, pending, op.copy_bandwidth);
  }
  // Stop and copy: quiesce, drain, final harvest, final copy.
  if (op.churn.on) co_await stop_churn();  // the guest stops with its devices
  const Ps quiesce = cpu_.now();
  if (op.stop_devices) {
    vcpus_stopped_ = true;  // the guest pauses with its devices
    co_await quiesce_devices(op.ioas);
  }
  MigrationRound f{unsigned(rounds_.size()), cpu_.now(), 0, 0, 0, 0, true, {}, 0, 0};
  mig_progress_.round = f.round;
  const RoundMark mf = round_mark();
  if (env_.observer) env_.observer->final_harvest(cpu_.now());
  f.reported = co_await locked_harvest(*tracker, op, true, pending);
  if (Errno e = tracker->error(); e != Errno::Ok)
    co_return co_await abort_migration(*tracker, op, e);
  f.harvest_ps = cpu_.now() - f.start;
  co_await send_round(f, mf, pending, op.copy_bandwidth);
  co_await tracker->stop(*this, op);
  if (op.split_shift) co_await split_for_migration(op.ioas, op.split_shift, true);
  env_.stats.set("migration.downtime_ns", "ns", "quiesce to the end of the final copy",
                 int64_t((cpu_.now() - quiesce) / kNs));
  Ps harvest = 0;
  for (const MigrationRound& r : rounds_) harvest += r.harvest_ps;
  env_.stats.set("migration.harvest_ns", "ns", "time in the rounds' harvests, final included",
                 int64_t(harvest / kNs));
  if (env_.observer) env_.observer->migration_done(cpu_.now());
  mig_progress_.active = false;
  co_return Errno::Ok;
}

}  // namespace sim
