// hwpt_destroy (IOMMU_DESTROY of a HWPT): refused while a device is attached; unmaps
// the domain (iopt_table_remove_domain), then the driver frees its page tables.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct HwptDestroy final : HostOperation {
  std::string hwpt;
  void parse(ConfigReader& r, OpNames& n) { hwpt = read_hwpt(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.hwpts().find(hwpt);
    if (it == h.hwpts().end()) co_return Errno::Enoent;
    for (const auto& [dev, name] : h.attachments())
      if (name == hwpt) co_return Errno::Ebusy;
    Host::Ioas& io = *h.ioases().at(it->second.ioas);
    co_await io.iopt.remove_domain(h.driver(), it->second.domain);
    h.driver().domain_free(it->second.domain);
    --io.users;
    h.hwpts().erase(it);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry hwpt_destroy_op = host_op<HwptDestroy>("hwpt_destroy");
}  // namespace sim
