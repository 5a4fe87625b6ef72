#pragma once
// A multi-queue receive NIC (pattern nic_mq_rx), the workload of the IOTLB-wall
// measurements (Farshin et al., PeerJ CS 2023): packets of `flows` flows, each flow
// hashed (RSS) to one of `queues` receive queues; each queue has its own descriptor
// ring and its own pool of buffers. Per packet, on its queue, the NIC fetches
// descriptors (one read per `desc_batch` packets of that queue), writes the packet
// into the buffer of the ring's next slot, writes completions back (per
// `writeback_batch`) and raises an MSI every `msi_every` packets of the queue.
//
// Buffer recycling, the model: the driver refills a slot as soon as the NIC used it
// (descriptors are posted ahead) with a buffer from the queue's free pool; a buffer
// the NIC filled stays with the stack for `hold` more packets of its queue, then
// returns to the free pool. Which free buffer the refill takes is `recycle`:
//   lifo   - the one freed last (page_pool's per-core cache): few buffers, hot;
//   fifo   - the one freed first: the whole pool in turn;
//   random - any (buffers back from sockets in no order): consecutive packets land
//            on unrelated pages.
// Packet sizes: one `size`, or a mix `sizes: [{size: 64, weight: 1}, ...]`.
//
// Mapped buffers (set_mapper: a host driver on the DMA API): the NIC no longer
// refills a slot itself. A used slot stays empty until the driver, told the buffer
// was filled, takes the next buffer from the pool (refill), maps it and posts its
// address (post); a packet that finds its queue's next slot empty is dropped (no
// DMA, the ring does not advance), as a NIC out of receive descriptors does. The
// decision is made when the packet before it on the job is issued.
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "models/base/rng.h"
#include "pcie/buffer_mapper.h"
#include "pcie/nic_ring.h"

namespace sim {

class ConfigReader;

enum class Recycle { Lifo, Fifo, Random };

struct NicMultiQueueConfig {
  unsigned queues = 1;
  uint64_t flows = 1;
  std::vector<std::pair<uint64_t, uint64_t>> sizes;  // (bytes, weight)
  uint64_t mean_size = 0;                            // weighted mean (config.size)
  uint64_t ring_iova = 0, ring_entries = 1024;       // queue q's ring follows q-1's
  unsigned desc_size = 16, desc_batch = 8, writeback_batch = 1, msi_every = 32;
  uint64_t msi_iova = 0xfee00000;
  uint64_t buffers_iova = 0, pool_length = 0;  // the buffers area; each queue an equal part
  uint64_t buffer_size = 2048;
  uint64_t hold = 64;
  Recycle recycle = Recycle::Lifo;
  uint64_t buffers_per_queue() const { return pool_length / buffer_size; }
};

std::shared_ptr<const NicMultiQueueConfig> load_nic_multiqueue(ConfigReader& j);

class NicMultiQueue {
 public:
  NicMultiQueue(std::shared_ptr<const NicMultiQueueConfig> c, uint64_t seed,
                const std::string& stream);
  // The next packet's requests, in order; returns its size.
  uint64_t next_packet(std::vector<NicRequest>& out);

  // Mapped buffers: every slot empty until posted.
  void set_mapper(BufferMapper* m);
  BufferMapper* mapper() const { return mapper_; }
  const NicMultiQueueConfig& config() const { return *c_; }
  // The driver's refill of (queue, slot): the next free buffer, as its address in the
  // buffers area.
  uint64_t refill(unsigned queue, uint64_t slot);
  void post(unsigned queue, uint64_t slot, uint64_t addr);
  uint64_t drops() const { return drops_; }
  static constexpr uint64_t kNotPosted = ~0ull;

 private:
  struct Queue {
    std::vector<uint32_t> slot;  // the buffer posted in each ring slot
    std::vector<uint64_t> addr;  // mapped buffers: the address posted there
    uint64_t head = 0;           // packets this queue received
    std::deque<uint32_t> held, free;
  };
  uint32_t take_free(Queue& q);

  std::shared_ptr<const NicMultiQueueConfig> c_;
  Rng rng_;
  std::vector<Queue> queues_;
  uint64_t total_weight_ = 0;
  BufferMapper* mapper_ = nullptr;
  uint64_t drops_ = 0;
};

}  // namespace sim
