#pragma once
// What the VFIO type1 operations (ops/vfio_*.cpp) share. With `ioas` an operation is
// the VFIO type1 driver's, on an IOAS a vfio_set_iommu made a container; without it,
// it is iommufd's VFIO compatibility ioctl, served by the compat IOAS (vfio_ioas sets
// it; iommufd/vfio_compat.h).
#include <optional>

#include "host-sw/iommufd/vfio_compat.h"
#include "host-sw/ops/op_registry.h"
#include "models/config/named_values.h"

namespace sim {

// `ioas` (a container already) and `argsz`.
inline std::string read_container(ConfigReader& r, OpNames& n, std::optional<uint32_t>& argsz) {
  std::string ioas = read_ioas(r, n);
  if (!n.vfio.count(ioas))
    r.fail("ioas", "IOAS '" + ioas + "' is no VFIO container (vfio_set_iommu it first)");
  if (r.has("argsz")) argsz = uint32_t(r.integer("argsz", 0, UINT32_MAX));
  return ioas;
}

// The compat IOAS's io_pagetable; nullptr when there is none (the kernel's ENODEV).
inline IoPagetable* compat_iopt(Host& h) {
  return h.compat_ioas().empty() ? nullptr : h.find_ioas(h.compat_ioas());
}

// `extra_flags`: uAPI flag bits beyond those the operation names (as the selftests'
// 1 << 31), which the compat layer refuses with EINVAL.
inline uint32_t read_extra_flags(ConfigReader& r) {
  const uint64_t v = r.address("extra_flags", 0);
  if (v > UINT32_MAX) r.fail("extra_flags", "flags are 32 bits");
  return uint32_t(v);
}

// The VFIO uAPI's IOMMU types and extensions, by name (CHECK_EXTENSION, SET_IOMMU).
inline const NamedValues<uint32_t>& vfio_extensions() {
  using namespace vfio_compat;
  static const NamedValues<uint32_t> kNames{{"type1", kType1},
                                            {"spapr_tce", kSpaprTce},
                                            {"type1v2", kType1v2},
                                            {"dma_cc", kDmaCc},
                                            {"eeh", kEeh},
                                            {"type1_nesting", kType1Nesting},
                                            {"spapr_tce_v2", kSpaprTceV2},
                                            {"noiommu", kNoIommu},
                                            {"unmap_all", kUnmapAll},
                                            {"update_vaddr", kUpdateVaddr}};
  return kNames;
}

}  // namespace sim
