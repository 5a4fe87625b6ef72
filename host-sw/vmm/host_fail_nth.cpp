// Fault injection over one host operation, after the kernel's iommufd_fail_nth: the
// call runs with its 1st failure point failing, then its 2nd, ... until a run reaches
// no more points (that run's result is the operation's). Each failure must come back
// as ENOMEM and leave everything exactly as before the call: pins, charge, areas,
// reserved ranges, domains and their page-table leaves, objects, kernel pages, and
// (for set-up operations, while no device runs) the IOTLB. A leak ends the loop with
// the operation's point number, kind and what changed.
#include "host-sw/vmm/host.h"

namespace sim {

namespace {
constexpr uint64_t kMaxPoints = 1'000'000;  // a call reaching more is reported, not looped
}

Task<Errno> Host::run_injected(const HostOperation& op, bool in_setup, OpOutcome& out) {
  if (!fail_stats_[0]) {  // registered by the first use: runs without it keep their stats
    static const char* const kStats[][2] = {
        {"host.fail_nth.points", "failure points failed under fault injection"},
        {"host.fail_nth.leaks", "injected failures that did not unwind completely"},
        {"host.fail_nth.alloc", "allocations failed (objects, areas, pages, ranges, bitmaps)"},
        {"host.fail_nth.pin", "user-page pins failed"},
        {"host.fail_nth.domain_map", "page-table allocations failed while mapping a domain"}};
    for (size_t i = 0; i < std::size(kStats); ++i)
      fail_stats_[i] = &env_.stats.counter(kStats[i][0], "count", kStats[i][1]);
  }
  FailNth& f = drv_.fail_nth();
  for (uint64_t n = 1;; ++n) {
    const HostSnapshot before = snapshot(in_setup);
    f.arm(n);
    OpOutcome o;
    const Errno e = co_await op.call(*this, o);
    const bool fired = f.fired();
    const FailPoint p = f.point();
    f.disarm();
    if (!fired) {
      out = std::move(o);
      co_return e;
    }
    ++fail_points_;
    ++*fail_stats_[0];
    ++*fail_stats_[2 + unsigned(p)];
    const std::string where =
        "fail_nth: point " + std::to_string(n) + " (" + std::string(fail_point_name(p)) + ") ";
    std::string wrong;
    if (e == Errno::Ok)
      wrong = where + "failed, yet the call succeeded";
    else if (e != Errno::Enomem)
      wrong = where + "returned " + std::string(errno_name(e)) + ", not ENOMEM";
    else if (std::string leak = snapshot_diff(before, snapshot(in_setup)); !leak.empty())
      wrong = where + "leaked: " + leak;
    else if (std::string broken = check_invariants(); !broken.empty())
      wrong = where + "broke an invariant: " + broken;
    else if (n >= kMaxPoints)
      wrong = where + "is still not the last one";
    if (!wrong.empty()) {
      ++*fail_stats_[1];
      out.detail = wrong;
      co_return op.expect;  // the detail is the failure
    }
  }
}

}  // namespace sim
