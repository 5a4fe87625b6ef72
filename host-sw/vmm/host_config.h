#pragma once
// host: the VMM's memory, the host cost model, and the operations it performs —
// `setup:` before time 0, `steps:` in simulated time (read by ops/load_host_config.h).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host-sw/kernel/host_cpu.h"
#include "host-sw/vmm/guest_config.h"
#include "host-sw/vmm/host_operation.h"

namespace sim {

struct VmmMemoryConfig {
  std::string name;
  uint64_t size = 0, backing = 4096;
  bool readonly = false;
  SourceMark size_mark;  // for "does not fit physical memory"
  std::string size_key;
};

struct HostConfig {
  uint64_t memlock = 0;  // 0: unlimited
  // The VMM's capabilities: CAP_IPC_LOCK (its pins are not charged), CAP_SYS_RESOURCE
  // (may set RLIMIT_MODE).
  bool cap_ipc_lock = false, cap_sys_resource = false;
  size_t pfn_batch_runs = 65536 / 12;  // PfnBatch::kDefaultRuns
  bool fail_nth = false;               // every operation under fault injection (host_fail_nth.cpp)
  std::vector<VmmMemoryConfig> memory;
  HostCost cost;
  std::vector<std::shared_ptr<const HostOperation>> setup, steps;
  GuestConfig guest;  // `guest:`, a guest IOMMU driver (guest_iommu.h)
};

}  // namespace sim
