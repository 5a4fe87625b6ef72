// munmap: the VMM unmaps memory; pages a domain or an access pinned stay pinned.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct Munmap final : HostOperation {
  std::string user;
  void parse(ConfigReader& r, OpNames& n) { user = read_user(r, n); }
  Task<Errno> run(Host& h, OpOutcome&) const override { co_return h.vmm().munmap(user); }
};

}  // namespace
extern const HostOpEntry munmap_op = host_op<Munmap>("munmap");
}  // namespace sim
