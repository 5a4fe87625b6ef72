// mmap: the VMM maps memory (its backing page size, read-only or not); later
// operations refer to it as `user`.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct Mmap final : HostOperation {
  std::string user;
  uint64_t size = 0, backing = 4096;
  bool readonly = false;

  void parse(ConfigReader& r, OpNames& n) {
    user = r.text("user");
    size = r.size("size");
    backing = read_backing(r, "backing");
    readonly = r.boolean("readonly", false);
    n.user.insert(user);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    uint64_t va;
    co_return h.vmm().mmap(user, size, backing, readonly, va);
  }
};

}  // namespace
extern const HostOpEntry mmap_op = host_op<Mmap>("mmap");
}  // namespace sim
