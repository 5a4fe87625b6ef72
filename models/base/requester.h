#pragma once
// Who issues a DMA: a PCIe requester id (bus:dev.fn) and an optional PASID.
#include <cstdint>

namespace sim {

inline constexpr uint32_t kNoPasid = 0xFFFFFFFFu;  // a request without a PASID prefix

}  // namespace sim
