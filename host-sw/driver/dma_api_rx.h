#pragma once
// A NIC driver's receive path on the DMA API (after Linux's NAPI drivers without
// page_pool's premapping): each receive queue is served by one CPU (queue q by CPU
// q % cpus); per packet the device filled, that CPU runs the stack (`packet` of CPU
// time), unmaps the buffer, takes the next buffer from the queue's pool, maps it and
// posts it into the slot. `static` mode posts the buffers' own addresses, mapped once
// (the IOMMU without per-packet maps, or a driver recycling premapped pages). When
// the CPUs fall behind, slots stay empty and the device drops what arrives for them.
// The device is reached only through the hooks (the platform connects a pcie/
// BufferMapper to them), so this file knows no device model.
#include <coroutine>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host-sw/driver/dma_api.h"

namespace sim {

struct DmaApiRxConfig {
  std::string device, job;  // the receive job whose buffers are mapped
  DmaApiConfig api;
  Ps packet = 2 * kUs;  // the stack's CPU time per packet, beside the DMA API's
  Ps warmup = 0;        // after the job's start: packets_per_s counts from there
};

// Reads `device`, `job`, `packet` and the DMA API's keys (dma_api.h).
DmaApiRxConfig load_dma_api_rx_config(ConfigReader& r);

struct DmaApiRxHooks {
  // The next buffer for (queue, slot) from the queue's pool: its address in the
  // buffers' premapped area (the device's view in static mode).
  std::function<uint64_t(unsigned queue, uint64_t slot)> refill;
  // The physical address behind such a buffer address.
  std::function<uint64_t(uint64_t buffer)> phys;
  // Gives the device an address for (queue, slot).
  std::function<void(unsigned queue, uint64_t slot, uint64_t addr)> post;
};

class DmaApiRx {
 public:
  DmaApiRx(IommuDriver& drv, Domain& domain, const DmaApiRxConfig& c, DmaApiRxHooks hooks,
           StatsRegistry& stats);
  ~DmaApiRx();
  // Fills every slot of every queue (the driver's open); `queues` x `entries` slots.
  Task<> open(unsigned queues, uint64_t entries);
  // Starts the CPUs' loops (after open); the job started at `job_start`.
  void start(Ps job_start);
  // The device filled the buffer at `addr` posted in (queue, slot).
  void filled(unsigned queue, uint64_t slot, uint64_t addr);
  void finalize(Ps end);
  DmaApi& api() { return api_; }

 private:
  struct Work {
    unsigned queue;
    uint64_t slot, addr;
  };
  struct WaitWork;
  // The address to post in (queue, slot), kNone when no IOVA could be had.
  static constexpr uint64_t kNone = ~0ull;
  Task<uint64_t> fill(unsigned cpu, unsigned queue, uint64_t slot);
  Task<> loop(unsigned cpu);

  IommuDriver& drv_;
  DmaApiRxConfig c_;
  DmaApiRxHooks hooks_;
  DmaApi api_;
  std::vector<std::deque<Work>> work_;
  std::vector<std::coroutine_handle<>> idle_;
  std::vector<Fiber> loops_;
  Ps measure_from_ = 0;  // job start + warmup
  uint64_t steady_ = 0;  // packets done since then
  double utilisation_ = 0, pps_ = 0;
  uint64_t& packets_;
  uint64_t& busy_ns_;
  uint64_t& unposted_;
  Histogram& packet_ns_;
};

}  // namespace sim
