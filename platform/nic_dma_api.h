#pragma once
// Connects a multi-queue receive NIC (pcie/nic_multiqueue.h) to a driver that maps its
// buffers per packet through the DMA API (host-sw/driver/dma_api_rx.h): the NIC's
// BufferMapper hook feeds the driver, and the driver's hooks refill and post the
// NIC's slots. One per entry of the scenario's `dma_api:` list.
#include <memory>

#include "host-sw/driver/dma_api_rx.h"
#include "host-sw/vmm/host.h"
#include "pcie/endpoint.h"

namespace sim {

struct DmaApiEntry {
  DmaApiRxConfig rx;
  SourceMark mark;  // for errors found at run time (the device not attached)
  Ps start = 0;     // the job's start: the CPUs' figures count from there
};

// Reads the scenario's `dma_api:` list, each entry against the devices and their jobs.
std::vector<DmaApiEntry> load_dma_api(ConfigReader& root, const std::vector<DeviceConfig>& devices,
                                      const HostConfig& host);

class NicDmaApi : public BufferMapper {
 public:
  // After the host's set-up: the device's domain is the HWPT it is attached to.
  NicDmaApi(const DmaApiEntry& e, Endpoint& ep, Host& host, StatsRegistry& stats);
  void filled(unsigned queue, uint64_t slot, uint64_t addr, Ps) override {
    rx_->filled(queue, slot, addr);
  }
  Task<> open() { return rx_->open(nic_->config().queues, nic_->config().ring_entries); }
  void start(Ps job_start) { rx_->start(job_start); }
  void finalize(Ps end) { rx_->finalize(end); }

 private:
  NicMultiQueue* nic_ = nullptr;
  std::unique_ptr<DmaApiRx> rx_;
};

}  // namespace sim
