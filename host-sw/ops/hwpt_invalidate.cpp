// hwpt_invalidate (IOMMU_HWPT_INVALIDATE): an array of the guest's invalidation
// requests on a nested HWPT (stage-1 IOVA ranges) or on a vIOMMU (each naming a
// vDEVICE by its virtual ID), and the number handled, which the kernel writes back even
// when a request is refused (`expect_done`). Host::hwpt_invalidate has the rules.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct HwptInvalidate final : HostOperation {
  std::string target;
  std::vector<S1Invalidation> requests;
  std::optional<uint64_t> expect_done;

  void parse(ConfigReader& r, OpNames& n) {
    target = r.text("hwpt");
    n.need_object(r, "hwpt", n.hwpt, target, "nested HWPT or vIOMMU");
    for (ConfigReader q : r.list("requests")) {
      S1Invalidation inv;
      inv.addr = q.address("addr", 0);
      if (q.is_keyword("npages", "all")) {
        q.keyword("npages", "all");
        inv.npages = S1Invalidation::kAll;
      } else {
        inv.npages = uint64_t(q.integer("npages", 1, 0, INT64_MAX));
      }
      inv.flags = uint32_t(q.integer("flags", 0, 0, UINT32_MAX));
      if (q.boolean("leaf", false)) inv.flags |= S1Invalidation::kLeaf;
      inv.vdev_id = q.address("vdev_id", 0);
      requests.push_back(inv);
    }
    if (r.has("expect_done")) expect_done = uint64_t(r.integer("expect_done", 0, UINT32_MAX));
  }
  void prepare(Host& h) const override { h.enable_nesting_stats(); }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    uint32_t done = 0;
    Errno e = co_await h.hwpt_invalidate(target, requests, done);
    expect_value("done", expect_done, done, out.detail);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry hwpt_invalidate_op =
    host_op<HwptInvalidate>("hwpt_invalidate", iommufd_uapi::kHwptInvalidate);
}  // namespace sim
