// access_pin (iommufd_access_pin_pages): pins a range into the pinned_pfns tier, read
// from a domain when one stores the pages, else pinned from user memory.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessPin final : HostOperation {
  std::string access;
  IovaArg iova;
  uint64_t length = 0;
  bool write = false;

  void parse(ConfigReader& r, OpNames& n) {
    access = read_access(r, n);
    iova = read_iova(r, n, "iova");
    length = r.size("length");
    write = r.boolean("write", false);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> at = h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    auto it = h.accesses().find(access);
    if (it == h.accesses().end()) co_return Errno::Enoent;
    uint64_t pinned = 0;
    Errno e = it->second.access->pin(h.driver(), h.vmm(), *at, length, write, pinned);
    co_await h.cpu().charge(pinned * h.cpu().cost().pin_page);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry access_pin_op = host_op<AccessPin>("access_pin");
}  // namespace sim
