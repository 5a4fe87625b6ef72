// access_unpin: takes one earlier pin's exact range back (ENOENT otherwise, also for a
// pin an unmap dropped).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessUnpin final : HostOperation {
  std::string access;
  IovaArg iova;
  uint64_t length = 0;

  void parse(ConfigReader& r, OpNames& n) {
    access = read_access(r, n);
    iova = read_iova(r, n, "iova");
    length = r.size("length");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> at = h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    auto it = h.accesses().find(access);
    if (it == h.accesses().end()) co_return Errno::Enoent;
    co_return it->second.access->unpin(*at, length);
  }
};

}  // namespace
extern const HostOpEntry access_unpin_op = host_op<AccessUnpin>("access_unpin");
}  // namespace sim
