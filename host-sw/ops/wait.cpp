// wait: does nothing (a step that only marks a time, or a name to start after).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct Wait final : HostOperation {
  void parse(ConfigReader&, OpNames&) {}
  Task<Errno> run(Host&, OpOutcome&) const override { co_return Errno::Ok; }
};

}  // namespace
extern const HostOpEntry wait_op = host_op<Wait>("wait");
}  // namespace sim
