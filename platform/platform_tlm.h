#pragma once
// Assembles one simulation from a Scenario: memory, IOMMU units, root complex, endpoints,
// the host software and the dispatcher, wired by TLM sockets; runs it once.
#include <systemc>

#include <functional>
#include <memory>
#include <vector>

#include "host-sw/vmm/host.h"
#include "iommu/iommu.h"
#include "iommu/iommu_tlm.h"
#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "models/sim/dispatcher.h"
#include "models/tlm/dispatcher_tlm.h"
#include "models/tlm/memory_tlm.h"
#include "models/tlm/mmio_bridge_tlm.h"
#include "pcie/endpoint_tlm.h"
#include "pcie/root_complex_tlm.h"
#include "platform/nic_dma_api.h"
#include "platform/oracle.h"
#include "platform/scenario.h"

namespace sim {

class Platform {
 public:
  Platform(const Scenario& s, TraceRecorder& trace);
  ~Platform();

  // Runs the simulation to its end; returns the simulated time reached.
  Ps run();
  StatsRegistry& stats() { return stats_; }
  const Dispatcher& dispatcher() const { return dispatcher_; }
  uint64_t failed_expectations() const;
  const Oracle& oracle() const { return oracle_; }
  const Host& host() const { return *host_; }
  const Scenario& scenario() const { return s_; }
  const SparseMemory& memory() const { return memory_; }  // physical memory, for checks
  // Called after every event with the dispatcher's time (a progress display; it must
  // not touch the simulation), and `stopped` once the events end, before the run's
  // closing messages. Set before run().
  void on_progress(std::function<void(Ps)> fn, std::function<void()> stopped) {
    progress_ = std::move(fn);
    progress_stopped_ = std::move(stopped);
  }

 private:
  void start();  // inside the simulation, at time 0
  void open_dma_api();
  bool finished() const;

  const Scenario& s_;
  TraceRecorder& trace_;
  StatsRegistry stats_;
  Dispatcher dispatcher_;
  SparseMemory memory_;
  MemoryTiming memory_timing_;
  std::vector<std::unique_ptr<Iommu>> iommus_;  // the units, in platform.iommus order
  Oracle oracle_;

  MemoryTlm memory_tlm_;
  std::vector<std::unique_ptr<IommuTlm>> iommu_tlms_;
  RootComplexTlm root_complex_;
  std::vector<std::unique_ptr<EndpointTlm>> endpoints_;
  MmioBridgeTlm mmio_;
  std::unique_ptr<Host> host_;
  std::vector<std::unique_ptr<NicDmaApi>> dma_apis_;
  DispatcherTlm dispatcher_tlm_;
  Ps ended_at_ = 0;
  std::function<void(Ps)> progress_;
  std::function<void()> progress_stopped_;
};

}  // namespace sim
