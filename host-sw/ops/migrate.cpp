// migrate: a pre-copy live migration of the VMM memory behind an IOAS while devices
// keep doing DMA (vmm/migration.cpp).
#include "host-sw/driver/flush_registry.h"
#include "host-sw/ops/op_registry.h"
#include "host-sw/vmm/tracker.h"

namespace sim {
namespace {

struct Migrate final : HostOperation {
  MigrationParams p;

  void parse(ConfigReader& r, OpNames& n) {
    p.ioas = read_ioas(r, n);
    p.page_size = r.size("page_size", 4096);
    if (p.page_size < 4096 || (p.page_size & (p.page_size - 1)))
      r.fail("page_size", "expected a power of two of at least 4KiB");
    p.flush = read_flush(r);
    p.pacing_fixed = r.choice("pacing", "back_to_back", {"back_to_back", "fixed"}) == "fixed";
    if (p.pacing_fixed) p.interval = r.time_ps("interval");
    p.copy_bandwidth = r.rate("copy_bandwidth", p.copy_bandwidth);
    p.initial_copy_free = r.choice("initial_copy", "charged", {"charged", "free"}) == "free";
    p.downtime_limit = r.time_ps("downtime_limit", p.downtime_limit);
    p.max_rounds = unsigned(r.integer("max_rounds", p.max_rounds, 1, 10000));
    p.stop_devices = r.boolean("stop_devices", true);
    p.final_no_clear = r.choice("final_harvest", "clear", {"clear", "no_clear"}) == "no_clear";
    p.tracker = read_tracker(r, p, TrackerNames{n.vfio});
    const bool type1 = p.tracker->without_page_table;
    p.split_shift = read_split_to(r);
    if (p.split_shift && type1)
      r.fail("split_to", "tracker: type1 reads no page table: nothing to split");
    if (auto c = r.optional_map("churn")) p.churn = read_churn(*c, n.vfio.count(p.ioas), type1);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override { co_return co_await h.migrate(p); }
  bool injectable() const override { return false; }  // many calls, each with effects
  void prepare(Host& h) const override {
    if (p.tracker->prepare) p.tracker->prepare(h);
    if (p.split_shift) h.driver().enable_split_stats();
    if (p.churn.on) h.enable_churn_stats(p.churn.move);
  }
  bool stops_device(std::string_view) const override { return p.stop_devices; }
};

}  // namespace
extern const HostOpEntry migrate_op = host_op<Migrate>("migrate");
}  // namespace sim
