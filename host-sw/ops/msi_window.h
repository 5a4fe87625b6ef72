#pragma once
// A device's MSI window on x86, the IOMMU_RESV_MSI region attach and replace reserve
// in the device's IOAS (an area or allowed range over it is EADDRINUSE).
#include <cstdint>

namespace sim {

inline constexpr uint64_t kMsiFirst = 0xfee00000, kMsiLast = 0xfeefffff;

}  // namespace sim
