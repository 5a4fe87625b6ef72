#pragma once
// The table of host operations (after Linux iommufd's iommufd_ioctl_ops[]): each kind
// is a small struct of exactly its arguments and expectations, with its parser and its
// `run`, in its own file (ops/<name>.cpp), listed once in ops/op_table.cpp. The scenario
// loader reaches operations only through this table.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host-sw/ops/op_parse.h"
#include "host-sw/vmm/host.h"
#include "host-sw/vmm/host_operation.h"

namespace sim {

struct HostOpEntry {
  std::string_view name;
  // Reads the operation's own keys (the common ones are the loader's).
  std::unique_ptr<HostOperation> (*parse)(ConfigReader& r, OpNames& n);
  // An iommufd ioctl's command struct (iommufd_uapi:: in host-sw/iommufd/ucmd_size.h),
  // as the kernel's IOCTL_OP table gives it: the loader then reads the generic `size:`
  // and `trailing:` keys and the call checks them first. {0, 0}: not an iommufd ioctl
  // (VFIO's ioctls, the VMM's own calls, in-kernel APIs), and the keys are refused.
  UcmdStruct ucmd{};
};

// An entry for operation type T, whose `void parse(ConfigReader&, OpNames&)` reads its
// keys; `ucmd` for an iommufd ioctl.
template <class T>
constexpr HostOpEntry host_op(std::string_view name, UcmdStruct ucmd = {}) {
  return {name,
          [](ConfigReader& r, OpNames& n) -> std::unique_ptr<HostOperation> {
            auto op = std::make_unique<T>();
            op->parse(r, n);
            return op;
          },
          ucmd};
}

// Every operation, in the order error messages list them.
std::span<const HostOpEntry* const> host_operations();
// nullptr for an unknown name.
const HostOpEntry* find_host_operation(std::string_view name);
// The names, in table order.
const std::vector<std::string>& host_operation_names();

}  // namespace sim
