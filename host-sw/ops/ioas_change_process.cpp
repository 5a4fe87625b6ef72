// ioas_change_process (IOMMU_IOAS_CHANGE_PROCESS), called by `process` (default: the
// one calling now), which from then on makes every call: the pinned-page accounting
// of every IOAS moves to it (iommufd/change_process.h): EINVAL while any area is not
// a file's, ENOMEM over its RLIMIT_MEMLOCK, nothing changed either way. `expect_moved`
// (bytes that changed process), `expect_locked` / `expect_pinned` (maps from process
// names to bytes) check the result.
#include <map>

#include "host-sw/iommufd/change_process.h"
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

std::map<std::string, uint64_t> read_per_process(ConfigReader& r, OpNames& n, const char* key) {
  std::map<std::string, uint64_t> out;
  ConfigReader m = r.map(key);
  for (const auto& [name, mark] : m.keys()) {
    n.need(m, name.c_str(), n.processes, name, "process");
    out[name] = m.size(name);
  }
  return out;
}

struct IoasChangeProcess final : HostOperation {
  std::string process;  // "": the current one
  std::optional<uint64_t> expect_moved;
  std::map<std::string, uint64_t> expect_locked, expect_pinned;

  void parse(ConfigReader& r, OpNames& n) {
    if (r.has("process")) {
      process = r.text("process");
      n.need(r, "process", n.processes, process, "process");
    }
    if (r.has("expect_moved")) expect_moved = r.size("expect_moved");
    if (r.has("expect_locked")) expect_locked = read_per_process(r, n, "expect_locked");
    if (r.has("expect_pinned")) expect_pinned = read_per_process(r, n, "expect_pinned");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    PinLedger& l = h.ledger();
    if (!process.empty()) {
      const int p = l.find_process(process);
      if (p < 0) co_return Errno::Einval;  // its process_create has not run
      l.set_current(unsigned(p));
    }
    // Every IOAS of the context, its locks taken (one allocation each).
    std::vector<IoPagetable*> all;
    for (auto& [name, io] : h.ioases()) {
      if (h.driver().fail_nth().should_fail(FailPoint::Alloc)) co_return Errno::Enomem;
      all.push_back(&io->iopt);
    }
    uint64_t moved = 0;
    const Errno e = change_process(all, l, l.current(), moved);
    if (e != Errno::Ok) co_return e;
    expect_value("moved bytes", expect_moved, moved * 4096, out.detail);
    for (const auto& [name, want] : expect_locked)
      expect_value(("locked bytes of " + name).c_str(), want,
                   l.processes()[l.find_process(name)].charged * 4096, out.detail);
    for (const auto& [name, want] : expect_pinned)
      expect_value(("pinned bytes of " + name).c_str(), want,
                   l.processes()[l.find_process(name)].pinned * 4096, out.detail);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry ioas_change_process_op =
    host_op<IoasChangeProcess>("ioas_change_process", iommufd_uapi::kIoasChangeProcess);
}  // namespace sim
