// access_destroy: an in-kernel access goes, and its pins with it.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct AccessDestroy final : HostOperation {
  std::string access;
  void parse(ConfigReader& r, OpNames& n) { access = read_access(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.accesses().find(access);
    if (it == h.accesses().end()) co_return Errno::Enoent;
    h.accesses().erase(it);
    h.objects().remove(ObjectType::Access, access);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry access_destroy_op = host_op<AccessDestroy>("access_destroy");
}  // namespace sim
