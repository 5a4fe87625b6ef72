// fault_respond: write(fault_fd, responses, count) on a fault object: each struct
// iommu_hwpt_page_response (8 bytes: `cookie`, `code` success, invalid or a number)
// answers the group read with that cookie; its device gets the response. As
// iommufd_fault_fops_write: `count` (8 per response by default; less writes fewer) not
// a multiple of 8 is ESPIPE; a code other than success / invalid, or a cookie no group
// awaits, is EINVAL, unless responses before it were written: then the call returns
// their bytes (`expect_bytes`) and the rest is not looked at. A closed fd is EBADF.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct FaultRespond final : HostOperation {
  std::string fault;
  std::vector<PageResponseArg> responses;
  uint64_t count = 0;
  std::optional<uint64_t> expect_bytes;

  void parse(ConfigReader& r, OpNames& n) {
    fault = r.text("fault");
    n.need(r, "fault", n.fault, fault, "fault object");
    for (ConfigReader q : r.list("responses")) {
      PageResponseArg a;
      a.cookie = uint32_t(q.integer("cookie", 0, UINT32_MAX));
      if (q.is_keyword("code", "success")) {
        q.keyword("code", "success");
      } else if (q.is_keyword("code", "invalid")) {
        q.keyword("code", "invalid");
        a.code = kPageRespInvalid;
      } else {
        a.code = uint32_t(q.integer("code", kPageRespSuccess, 0, UINT32_MAX));
      }
      responses.push_back(a);
    }
    const uint64_t all = responses.size() * kPageResponseBytes;
    count = r.size("count", all);
    if (count > all) r.fail("count", "more bytes than the responses given hold");
    if (r.has("expect_bytes")) expect_bytes = r.size("expect_bytes");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    auto q = h.faults().find(fault);
    if (q == h.faults().end() || !q->second.fd_open) co_return Errno::Ebadf;
    uint64_t bytes = 0;
    const Errno e = q->second.write(
        responses, count, [&h](const PageResponse& p) { h.page_response(p); }, bytes);
    expect_value("bytes", expect_bytes, bytes, out.detail);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry fault_respond_op = host_op<FaultRespond>("fault_respond");
}  // namespace sim
