// fault_read: read(fault_fd, buf, count) on a fault object: whole page request groups
// from the head of its queue while they fit in `count` bytes (40 by default, one
// struct iommu_hwpt_pgfault), each group given a cookie for its response (the lowest
// free from 1). As iommufd_fault_fops_read: a count that is not a multiple of 40 is
// ESPIPE; a group that does not fit stays for the next read (0 bytes when the first
// does not); the cookie's allocation is a failure point (ENOMEM, the group stays); a
// closed fd is EBADF. `expect_bytes` checks the count read; `expect_faults` each
// record in order: `device` (the uAPI's dev_id), `flags` ([pasid_valid, last_page]),
// `pasid`, `grpid`, `perm` ([read, write, exec, priv]), `addr`, `length` (0), `cookie`.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct ExpectedFault {
  std::optional<std::string> device;
  std::optional<uint64_t> flags, pasid, grpid, perm, addr, length, cookie;
};

struct FaultRead final : HostOperation {
  std::string fault;
  uint64_t count = kPgfaultBytes;
  std::optional<uint64_t> expect_bytes;
  std::optional<std::vector<ExpectedFault>> expect_faults;

  static std::optional<uint64_t> number(ConfigReader& q, const char* key) {
    if (!q.has(key)) return std::nullopt;
    return q.address(key);
  }
  void parse(ConfigReader& r, OpNames& n) {
    fault = r.text("fault");
    n.need(r, "fault", n.fault, fault, "fault object");
    count = r.size("count", kPgfaultBytes);
    if (r.has("expect_bytes")) expect_bytes = r.size("expect_bytes");
    if (!r.has("expect_faults")) return;
    expect_faults.emplace();
    for (ConfigReader q : r.list("expect_faults")) {
      ExpectedFault e;
      if (q.has("device")) e.device = n.device(q);
      if (q.has("flags")) e.flags = read_flags(q, {"pasid_valid", "last_page"});
      if (q.has("perm")) e.perm = read_flags(q, {"read", "write", "exec", "priv"}, "perm");
      e.pasid = number(q, "pasid");
      e.grpid = number(q, "grpid");
      e.addr = number(q, "addr");
      e.length = number(q, "length");
      e.cookie = number(q, "cookie");
      expect_faults->push_back(e);
    }
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    auto q = h.faults().find(fault);
    if (q == h.faults().end() || !q->second.fd_open) co_return Errno::Ebadf;
    std::vector<PgfaultRecord> got;
    uint64_t bytes = 0;
    const Errno e = q->second.read(
        count, [&h] { return h.fail_alloc(); }, got, bytes);
    expect_value("bytes", expect_bytes, bytes, out.detail);
    if (expect_faults && out.detail.empty()) check(*expect_faults, got, out.detail);
    co_return e;
  }
  static void check(const std::vector<ExpectedFault>& want, const std::vector<PgfaultRecord>& got,
                    std::string& detail) {
    if (want.size() != got.size()) {
      detail = "expected " + std::to_string(want.size()) + " fault records, read " +
               std::to_string(got.size());
      return;
    }
    for (size_t i = 0; i < want.size() && detail.empty(); ++i) {
      const ExpectedFault& w = want[i];
      const PgfaultRecord& g = got[i];
      const std::string at = "record " + std::to_string(i) + " ";
      if (w.device && *w.device != g.device) {
        detail = at + "device: expected " + *w.device + ", got " + g.device;
        return;
      }
      expect_value((at + "flags").c_str(), w.flags, g.fault.flags, detail);
      expect_value((at + "pasid").c_str(), w.pasid, g.fault.pasid, detail);
      expect_value((at + "grpid").c_str(), w.grpid, g.fault.grpid, detail);
      expect_value((at + "perm").c_str(), w.perm, g.fault.perm, detail);
      expect_value((at + "addr").c_str(), w.addr, g.fault.addr, detail);
      expect_value((at + "length").c_str(), w.length, g.length, detail);
      expect_value((at + "cookie").c_str(), w.cookie, g.cookie, detail);
    }
  }
};

}  // namespace
extern const HostOpEntry fault_read_op = host_op<FaultRead>("fault_read");
}  // namespace sim
