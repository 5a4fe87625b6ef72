// process_create: another process that may take over the iommufd (a new VMM after a
// live update), `id` its name, `memlock` its RLIMIT_MEMLOCK (0: unlimited). The VMM
// is process `vmm`. Its locked and pinned bytes are the statistics
// host.process.NAME.locked_bytes / .pinned_bytes (the VMM's too, in runs with one).
// Nothing of iommufd's: no failure point.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

void process_stats(Host& h, const std::string& name) {
  const std::string base = "host.process." + name;
  if (h.stats().get(base + ".locked_bytes")) return;
  PinLedger& l = h.ledger();
  h.stats().computed(base + ".locked_bytes", "bytes", "bytes charged to the process at the end",
                     [&l, name] {
                       const int i = l.find_process(name);
                       return StatValue(i < 0 ? 0 : int64_t(l.processes()[i].charged * 4096));
                     });
  h.stats().computed(base + ".pinned_bytes", "bytes", "bytes pinned for the process at the end",
                     [&l, name] {
                       const int i = l.find_process(name);
                       return StatValue(i < 0 ? 0 : int64_t(l.processes()[i].pinned * 4096));
                     });
}

struct ProcessCreate final : HostOperation {
  std::string id;
  uint64_t memlock = 0;

  void parse(ConfigReader& r, OpNames& n) {
    id = r.text("id");
    if (!n.processes.insert(id).second) r.fail("id", "process '" + id + "' exists already");
    memlock = r.size("memlock", 0);
  }
  void prepare(Host& h) const override {
    process_stats(h, "vmm");
    process_stats(h, id);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    h.ledger().add_process(id, memlock);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry process_create_op = host_op<ProcessCreate>("process_create");
}  // namespace sim
