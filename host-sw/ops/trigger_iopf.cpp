// trigger_iopf (the selftest's IOMMU_TEST_OP_TRIGGER_IOPF): the device reports a page
// request, as the IOMMU would hand one to iommu_report_device_fault: `pasid` (optional:
// with it the request carries PASID_VALID), `grpid`, `perm` ([read, write] by default;
// also exec, priv), `addr`, `last` (true: the group's last request, which completes
// the group; false: it waits for its last). Host::report_iopf has the rules. Like the
// selftest command it returns 0 whatever became of the request; `expect_taken` checks
// whether a fault handler took it (false: refused, answered INVALID at once).
#include "host-sw/ops/attach_pt.h"

namespace sim {
namespace {

struct TriggerIopf final : HostOperation {
  std::string device;
  IopfFault fault;
  std::optional<bool> expect_taken;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    const uint32_t pasid = read_pasid(r);
    if (pasid != kNoPasid) {
      fault.pasid = pasid;
      fault.flags |= kPgfaultPasidValid;
    }
    fault.grpid = uint32_t(r.integer("grpid", 0, 0, 511));  // the PRG index is 9 bits
    fault.perm = r.has("perm") ? read_flags(r, {"read", "write", "exec", "priv"}, "perm")
                               : kPgfaultPermRead | kPgfaultPermWrite;
    fault.addr = r.address("addr");
    if (r.boolean("last", true)) fault.flags |= kPgfaultLastPage;
    if (r.has("expect_taken")) expect_taken = r.boolean("expect_taken");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const bool taken = h.report_iopf(device, fault);
    if (expect_taken && *expect_taken != taken)
      out.detail = std::string("expected the request ") + (*expect_taken ? "taken" : "refused") +
                   ", it was " + (taken ? "taken" : "refused");
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry trigger_iopf_op = host_op<TriggerIopf>("trigger_iopf");
}  // namespace sim
