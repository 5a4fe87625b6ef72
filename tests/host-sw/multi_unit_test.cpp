// Host software over two IOMMU units: nic0 behind unit 0, ssd0 behind unit 1.
#include <doctest/doctest.h>

#include "tests/host-sw/host_rig.h"

namespace sim::test {
namespace {

// MMIO by register page: unit i at base + i * 4 KiB.
struct UnitsMmio : MmioBus {
  std::vector<Iommu*> units;
  uint64_t base = 0xfed90000;
  Iommu& at(uint64_t a) { return *units.at((a - base) / 0x1000); }
  uint64_t read(uint64_t a, unsigned s, Ps t) override {
    return at(a).mmio_read((a - base) % 0x1000, s, t);
  }
  void write(uint64_t a, uint64_t v, unsigned s, Ps t) override {
    at(a).mmio_write((a - base) % 0x1000, v, s, t);
  }
};

constexpr uint16_t kNic = 0x0100, kSsd = 0x0200;

struct UnitsRig {
  Dispatcher d;
  SparseMemory mem{4ull << 30};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  StatsRegistry stats;
  TraceRecorder trace;
  std::vector<std::unique_ptr<Iommu>> units;
  UnitsMmio mmio;
  std::unique_ptr<Host> host;
  DmaAt nic, ssd;

  explicit UnitsRig(const std::string& host_yaml, bool unit1_coherent = true) {
    HardwareInfo hw;
    std::vector<const Iommu*> all;
    for (int i = 0; i < 2; ++i) {
      IommuConfig c;
      c.name = i ? "dmar1" : "dmar0";
      c.mmio_base = mmio.base + i * 0x1000;
      c.coherent_walk = i == 0 || unit1_coherent;
      units.push_back(std::make_unique<Iommu>(c, mem, timing, d, stats, trace));
      mmio.units.push_back(units.back().get());
      all.push_back(units.back().get());
      hw.units.push_back({c.name, c.mmio_base, c.invalidation.max_order, c.invalidation.encoding,
                          c.invalidation.batch, c.coherent_walk});
    }
    Iommu::register_totals(stats, all);
    ConfigDoc doc = ConfigDoc::from_string(host_yaml, "host.yaml");
    ConfigReader r = doc.root();
    HostConfig hc = load_host_config(r, {"nic0", "ssd0"});
    doc.check_unknown_keys();
    hw.memory_size = mem.size();
    hw.devices.push_back({"nic0", kNic, 0, false, 0});
    hw.devices.push_back({"ssd0", kSsd, 0, false, 1});
    host = std::make_unique<Host>(hc, HostEnv{d, mem, mmio, stats, trace, hw});
    nic.iommu = units[0].get();
    nic.bdf = kNic;
    ssd.iommu = units[1].get();
    ssd.bdf = kSsd;
  }
  void write_at(DmaAt& dev, Ps t, uint64_t iova) {
    dev.writes.push_back({t, iova});
    d.schedule(t, Rank::Device, &dev, dev.writes.size() - 1);
  }
  void run(Ps end = 100 * kMs) {
    for (auto& u : units) u->set_zero_cost(true);
    host->boot_and_setup();
    while (!host->setup_done() && d.run_one()) {
    }
    for (auto& u : units) u->set_zero_cost(false);
    host->start_steps();
    d.run_until(end);
    host->finalize();
  }
  int64_t stat(const std::string& n) { return std::get<int64_t>(*stats.get(n)); }
};

const char* kShared = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: attach, device: ssd0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
)";

}  // namespace

TEST_CASE("units: attach invalidates the context cache of the device's unit only") {
  UnitsRig rig(R"(
memory: [{name: guest, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0}
  - {op: attach, device: ssd0, hwpt: hwpt0}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.units.dmar0.inv.waits") == 0);
  CHECK(rig.stat("iommu.units.dmar1.inv.waits") == 1);
  CHECK(rig.stat("iommu.inv.context") == 1);
}

TEST_CASE("units: a harvest of a domain spanning two units flushes each, one wait per unit") {
  UnitsRig rig(std::string(kShared) + R"(
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000", "0x300000+0x1000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000", "0x300000+0x1000"]}
)");
  rig.write_at(rig.nic, 10 * kUs, 0x5000);
  rig.write_at(rig.ssd, 11 * kUs, 0x300000);
  // After the first harvest's flush both units walk again and set D again.
  rig.write_at(rig.nic, 30 * kUs, 0x5040);
  rig.write_at(rig.ssd, 31 * kUs, 0x300040);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
  // Attach (own unit), enable (context + domain flush on both), two harvests on both.
  CHECK(rig.stat("iommu.units.dmar0.inv.waits") == 4);
  CHECK(rig.stat("iommu.units.dmar1.inv.waits") == 4);
  CHECK(rig.stat("iommu.inv.waits") == 8);
  CHECK(rig.stat("host.inv.waits") == 8);
  CHECK(rig.stat("iommu.units.dmar0.iotlb.misses") == 2);
  CHECK(rig.stat("iommu.units.dmar1.iotlb.misses") == 2);
  CHECK(rig.stat("iommu.iotlb.misses") == 4);
}

TEST_CASE("units: the second unit's flush starts after the first unit's wait completed") {
  UnitsRig rig(std::string(kShared) + R"(
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB}
)");
  rig.write_at(rig.nic, 10 * kUs, 0x5000);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  // One page descriptor (50 ns) and a wait (200 ns) on each unit, one after the
  // other: the harvest waits for both.
  CHECK(rig.stat("host.harvest.wait_ns") >= 2 * 250);
  CHECK(rig.stat("iommu.units.dmar0.inv.descriptors") ==
        rig.stat("iommu.units.dmar1.inv.descriptors"));
}

TEST_CASE("units: dirty tracking is refused on a unit without coherent walks") {
  UnitsRig rig(R"(
memory: [{name: guest, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: any, ioas: ioas0, dirty_tracking: true, expect: EOPNOTSUPP}
  - {op: hwpt_alloc, id: on_ssd, ioas: ioas0, dirty_tracking: true, device: ssd0,
     expect: EOPNOTSUPP}
  - {op: hwpt_alloc, id: on_nic, ioas: ioas0, dirty_tracking: true, device: nic0}
  - {op: attach, device: nic0, hwpt: on_nic}
  - {op: attach, device: ssd0, hwpt: on_nic, expect: EINVAL}
)",
               false);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
}

}  // namespace sim::test
