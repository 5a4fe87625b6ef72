#pragma once
// The descriptor-ring NIC of pcie-bench's simple NIC model, as a DMA job: per packet
// the device fetches descriptors (one read per `desc_batch`), moves the packet (a
// write into its buffer for receive, a read from it for transmit), writes completed
// descriptors back (one write per `writeback_batch`) and raises an MSI (a 4-byte
// write to the interrupt range) every `msi_every` packets. Descriptors are assumed
// posted ahead by the driver, so the data DMA does not wait for its descriptor read.
#include <cstdint>
#include <vector>

namespace sim {

class ConfigReader;

struct NicRingConfig {
  bool receive = true;  // nic_rx; nic_tx reads the packets
  uint64_t ring_iova = 0, ring_entries = 256;
  uint64_t buffers_iova = 0, buffers_length = 0, buffer_size = 2048;
  unsigned desc_size = 16, desc_batch = 8, writeback_batch = 1, msi_every = 32;
  uint64_t msi_iova = 0xfee00000;
};

struct NicRequest {
  bool write;
  uint64_t iova, size;
  // Mapped buffers (NicMultiQueue::set_mapper): the packet's buffer write names its
  // slot, so the driver hears when it is filled; `drop` stands for a packet that
  // found no buffer posted (no bytes move).
  int32_t queue = -1;
  uint32_t slot = 0;
  bool drop = false;
};

// Reads `ring`, `buffers`, `buffer_size`, `desc_batch`, `writeback_batch`, `msi_every`
// of a nic_rx / nic_tx job; `packet_size` is the job's `size`.
NicRingConfig load_nic_ring(ConfigReader& j, bool receive, uint64_t packet_size);

// The requests packet number `n` makes, in order.
void nic_packet_requests(const NicRingConfig& c, uint64_t n, uint64_t packet_size,
                         std::vector<NicRequest>& out);

}  // namespace sim
