#include "host-sw/kernel/fail_nth.h"

namespace sim {

std::string_view fail_point_name(FailPoint p) {
  switch (p) {
    case FailPoint::Alloc:
      return "alloc";
    case FailPoint::Pin:
      return "pin";
    case FailPoint::DomainMap:
      return "domain map";
  }
  return "?";
}

}  // namespace sim
