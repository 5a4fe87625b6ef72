#pragma once
// Host software on the real IOMMU core, without SystemC: MMIO goes straight to the
// core's registers and DMA writes are translate() calls at chosen times.
#include <functional>

#include "host-sw/ops/load_host_config.h"
#include "host-sw/vmm/host.h"
#include "iommu/iommu.h"
#include "models/base/requester.h"
#include "models/config/config.h"

namespace sim::test {

struct DirectMmio : MmioBus {
  Iommu* iommu = nullptr;
  uint64_t base = 0xfed90000;
  uint64_t read(uint64_t a, unsigned s, Ps at) override {
    return iommu->mmio_read(a - base, s, at);
  }
  void write(uint64_t a, uint64_t v, unsigned s, Ps at) override {
    iommu->mmio_write(a - base, v, s, at);
  }
};

// A DMA write at a time, through the IOMMU (its effect at that time, like a TLP).
struct DmaAt : EventTarget {
  Iommu* iommu;
  uint16_t bdf;
  std::vector<std::pair<Ps, uint64_t>> writes;
  void on_event(Ps now, uint64_t i) override {
    iommu->translate(bdf, kNoPasid, writes[i].second, 64, true, now);
  }
};

// One 16 MiB guest behind one dirty-tracking HWPT with nic0 attached, tracking enabled
// at 1 us; a test appends its own steps.
inline const char* kTrackedGuest = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
)";

// A unit that translates nested entries (the nesting, vIOMMU and PASID suites).
inline IommuConfig nesting_unit() {
  IommuConfig c;
  c.nesting = true;
  return c;
}

struct HostRig {
  Dispatcher d;
  SparseMemory mem{4ull << 30};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  StatsRegistry stats;
  TraceRecorder trace;
  IommuConfig icfg;
  std::unique_ptr<Iommu> iommu;
  DirectMmio mmio;
  std::unique_ptr<Host> host;
  DmaAt dma;

  // `hw_edit` changes what the host is told of the hardware (a capability it lacks).
  explicit HostRig(const std::string& host_yaml, IommuConfig ic = {},
                   const std::function<void(HardwareInfo&)>& hw_edit = {})
      : icfg(ic) {
    iommu = std::make_unique<Iommu>(icfg, mem, timing, d, stats, trace);
    mmio.iommu = iommu.get();
    ConfigDoc doc = ConfigDoc::from_string(host_yaml, "host.yaml");
    ConfigReader r = doc.root();
    HostConfig hc = load_host_config(r, {"nic0"});
    doc.check_unknown_keys();
    HardwareInfo hw;
    hw.units.push_back({"iommu", mmio.base, icfg.invalidation.max_order, icfg.invalidation.encoding,
                        icfg.invalidation.batch, icfg.coherent_walk, icfg.nesting});
    hw.memory_size = mem.size();
    hw.format = icfg.format;
    hw.levels = icfg.levels;
    hw.devices.push_back({"nic0", 0x0100});
    if (hw_edit) hw_edit(hw);
    host = std::make_unique<Host>(hc, HostEnv{d, mem, mmio, stats, trace, hw});
    dma.iommu = iommu.get();
    dma.bdf = 0x0100;
  }
  void write_at(Ps t, uint64_t iova) {
    dma.writes.push_back({t, iova});
    d.schedule(t, Rank::Device, &dma, dma.writes.size() - 1);
  }
  void run(Ps end = 100 * kMs) {
    iommu->set_zero_cost(true);
    host->boot_and_setup();
    while (!host->setup_done() && d.run_one()) {
    }
    iommu->set_zero_cost(false);
    host->start_steps();
    d.run_until(end);
    host->finalize();
  }
  int64_t stat(const std::string& n) { return std::get<int64_t>(*stats.get(n)); }
};

}  // namespace sim::test
