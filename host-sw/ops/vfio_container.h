#pragma once
// What the VFIO type1 operations (ops/vfio_*.cpp) share: each names an IOAS that a
// vfio_set_iommu made a container (iommufd's compat layer), and may give argsz.
#include <optional>

#include "host-sw/ops/op_registry.h"

namespace sim {

// `ioas` (a container already) and `argsz`.
inline std::string read_container(ConfigReader& r, OpNames& n, std::optional<uint32_t>& argsz) {
  std::string ioas = read_ioas(r, n);
  if (!n.vfio.count(ioas))
    r.fail("ioas", "IOAS '" + ioas + "' is no VFIO container (vfio_set_iommu it first)");
  if (r.has("argsz")) argsz = uint32_t(r.integer("argsz", 0, UINT32_MAX));
  return ioas;
}

}  // namespace sim
