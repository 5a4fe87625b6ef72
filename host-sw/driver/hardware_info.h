#pragma once
// What host software knows of the machine (as firmware tables and capability
// registers would tell a kernel), and the handles through which it acts.
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/driver/migration_observer.h"
#include "iommu/inv_descriptor.h"
#include "models/memory/mmio.h"
#include "models/memory/sparse_memory.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "models/sim/dispatcher.h"

namespace sim {

struct HardwareInfo {
  std::string format = "vtd-ss";  // every unit's
  unsigned levels = 4;
  bool translate = true;  // false: the IOMMU is in pass-through for everyone
  uint64_t memory_size = 0;
  // An IOMMU unit: its registers and what its capability registers say.
  struct Unit {
    std::string name;
    uint64_t mmio_base = 0;
    unsigned max_order = 18;  // largest page-selective invalidation order
    InvEncoding encoding = InvEncoding::Pow2Aligned;
    unsigned batch = 16;  // descriptors before a wait
    bool coherent_walk = true;
    // Nested translation (VT-d ECAP.NEST): nesting-parent and nested domains, vIOMMUs.
    bool nesting = false;
    bool fs_5level = true;  // a 5-level first stage (VT-d CAP.FS5LP)
    // A what-if dirty-log ring (iommu/dirty_log_ring.h): where and how many entries
    // (0: none). Layout: head +0, tail +8, overflow +16, entries from +64.
    uint64_t log_base = 0, log_entries = 0;
  };
  std::vector<Unit> units;  // at least one
  struct Device {
    std::string name;
    uint16_t bdf;
    uint64_t ctrl =
        0;  // its control register page: CTRL 0x0 (bit 0 stop), STATUS 0x4 (bit 0 drained)
    bool ats = false;   // has a translation cache: the driver enables ATS for it
    unsigned unit = 0;  // the IOMMU unit it sits behind (index in `units`)
    // Its PCIe PASID capability's Max PASID Width: PASIDs below 2^width (0: none).
    unsigned pasid_width = 20;
    // PCIe PRI (the driver can enable I/O page faults for it); an SR-IOV virtual function.
    bool pri = false, vf = false;
    // VFIO migration v2 DMA logging (its registers in the control page): whether the
    // device has it, how many ranges a start may name and the granules it logs at.
    bool dma_logging = false;
    unsigned log_max_ranges = 0;
    uint64_t log_min_page = 0, log_max_page = 0;
  };
  std::vector<Device> devices;
};

struct HostEnv {
  Dispatcher& dispatcher;
  SparseMemory& memory;  // the backdoor: one lookup per 4 KiB table
  MmioBus& mmio;
  StatsRegistry& stats;
  TraceRecorder& trace;
  HardwareInfo hw;
  MigrationObserver* observer = nullptr;  // the platform's oracle, when there is one
};

}  // namespace sim
