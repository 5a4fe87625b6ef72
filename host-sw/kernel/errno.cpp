#include "host-sw/kernel/errno.h"

namespace sim {

namespace {
// clang-format off
const std::initializer_list<std::string_view> kNames = {
    "OK",         "EINVAL", "ENOENT", "EEXIST",     "ENOMEM", "EOVERFLOW",
    "EOPNOTSUPP", "ENOSPC", "EBUSY",  "EADDRINUSE", "EPERM",  "EFAULT",
    "EMSGSIZE",   "EACCES", "E2BIG",  "ENOTTY",     "EIO",    "ENODEV",
    "ESPIPE",     "EBADF",  "ERANGE"};
// clang-format on
}  // namespace

const std::initializer_list<std::string_view>& errno_names() {
  return kNames;
}

const char* errno_name(Errno e) {
  return (kNames.begin() + int(e))->data();
}

std::optional<Errno> errno_from_name(std::string_view name) {
  int i = 0;
  for (std::string_view n : kNames) {
    if (n == name) return Errno(i);
    ++i;
  }
  return std::nullopt;
}

}  // namespace sim
