#pragma once
// A whole scenario file read into typed configuration, every error found before
// anything is elaborated. Each part reads its own section with its own loader.
#include <string>
#include <vector>

#include "host-sw/vmm/host_config.h"
#include "iommu/iommu_config.h"
#include "models/config/config.h"
#include "models/config/named_values.h"
#include "models/memory/memory_config.h"
#include "pcie/device_config.h"
#include "pcie/pcie_config.h"
#include "platform/checks.h"
#include "platform/nic_dma_api.h"

namespace sim {

// Which trace files a run writes; `output.trace` and `--trace` name it.
struct TraceFiles {
  bool text = false, chrome = false;
  bool operator==(const TraceFiles&) const = default;
};
const NamedValues<TraceFiles>& trace_files_names();  // text | chrome | both | none

struct OutputConfig {
  TraceFiles trace{true, true};       // both
  Ps timeseries_bucket = 10 * kUs;    // 0: no timeseries.csv
  uint64_t trace_limit = 1ull << 30;  // bytes per trace file; the run stops past it
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  Ps end = 0;
  bool end_auto = false;
  Ps quantum = kUs;
  MemoryConfig memory;
  IommuConfig iommu;                // platform.iommu: the base of every unit
  std::vector<IommuConfig> iommus;  // the units (one, "iommu", unless platform.iommus)
  PcieConfig pcie;
  std::vector<DeviceConfig> devices;
  HostConfig host;
  std::vector<DmaApiEntry> dma_api;  // drivers mapping NIC buffers per packet
  std::vector<Check> checks;
  OutputConfig output;
  bool has_sweep = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> sweep_vary;  // sweep.vary
  // sweep.cases: named points that are not a grid, each its own PATH=VALUE assignments.
  struct SweepCase {
    std::string name;
    std::vector<std::string> sets;
  };
  std::vector<SweepCase> sweep_cases;
  unsigned sweep_seeds = 1;
};

// Reads every section of `doc` (after --set overrides) and rejects unknown keys.
Scenario load_scenario(ConfigDoc& doc);

}  // namespace sim
