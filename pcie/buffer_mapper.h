#pragma once
// The host side of a receive NIC whose buffers a driver maps per packet (the DMA
// API, host-sw/driver/dma_api_rx.h): the NIC tells it when the buffer posted in a
// slot is filled (its data written through the IOMMU), and the driver posts the
// slot's next address back (NicMultiQueue::post) when it has mapped one. The device
// model defines the interface; the platform connects an implementation, so pcie/
// never sees host software.
#include <cstdint>

#include "models/base/units.h"

namespace sim {

class BufferMapper {
 public:
  virtual ~BufferMapper() = default;
  // The device's write of the buffer at `addr`, posted in (queue, slot), has reached
  // the root complex and been translated at `at`.
  virtual void filled(unsigned queue, uint64_t slot, uint64_t addr, Ps at) = 0;
};

}  // namespace sim
