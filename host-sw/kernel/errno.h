#pragma once
// Kernel errno codes that host operations return, so scenarios can expect them
// (named Einval etc.: the E* names are <cerrno> macros).
#include <optional>
#include <string>
#include <string_view>

namespace sim {

enum class Errno {
  Ok,
  Einval,
  Enoent,
  Eexist,
  Enomem,
  Eoverflow,
  Eopnotsupp,
  Enospc,
  Ebusy,
  Eaddrinuse,
  Eperm,
  Efault,
  Emsgsize,
  Eacces,
  E2big,
  Enotty,
  Eio,
  Enodev,
  Espipe,  // a fault fd's read or write of a size that is not a whole number of records
  Ebadf,   // a closed fault fd
  Erange   // a HW queue's page count past what the kernel can hold
};

const char* errno_name(Errno e);
std::optional<Errno> errno_from_name(std::string_view name);
// Every name, for "expected one of" messages.
const std::initializer_list<std::string_view>& errno_names();

}  // namespace sim
