#pragma once
// Shared by the io_pagetable suites (iommufd's IOAS rules one by one): the VMM
// memory they map, a host run that checks the invariants after every operation, and
// an io_pagetable over the real driver and IOMMU for rules no scenario op reaches.
#include <doctest/doctest.h>

#include <string>

#include "host-sw/iommufd/io_pagetable.h"
#include "host-sw/iommufd/pin_ledger.h"
#include "tests/host-sw/host_rig.h"

namespace sim::test {
inline constexpr uint64_t kMax = UINT64_MAX;

// guest is at user VA 0x7f0000000000 (lowbit 2^40), huge (2 MiB pages) after it.
inline const char* kMem = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}, {name: huge, size: 8MiB, backing: 2MiB},
         {name: ro, size: 1MiB, readonly: true}]
)";

// Runs the rig with invariants checked after every operation; returns the failed
// steps (each printed with its line and both values).
inline int64_t checked_run(HostRig& rig) {
  rig.host->check_each_op(true);
  rig.run();
  CHECK(rig.host->check_invariants() == "");
  return rig.stat("host.steps_failed");
}

// The host part after kMem, run checked.
inline int64_t failures(const std::string& host_yaml, int64_t* locked = nullptr) {
  HostRig rig(std::string(kMem) + host_yaml);
  const int64_t failed = checked_run(rig);
  if (locked) *locked = rig.stat("host.locked_bytes");
  return failed;
}

// An io_pagetable over the real driver and IOMMU; operations run to completion.
struct IoptRig {
  HostRig rig{"memory: []"};  // the dispatcher, memory, IOMMU and MMIO
  StatsRegistry stats;
  HostCpu cpu{rig.d, HostCost{}};
  PhysAllocator phys{1ull << 20, (4ull << 30) - (1ull << 20)};
  VmmMemory vmm{phys};
  HostEnv env{rig.d, rig.mem, rig.mmio, stats, rig.trace, hw()};
  IommuDriver drv{env, cpu, phys};
  PinLedger ledger;
  IoPagetable iopt{ledger};
  uint64_t va = 0;

  HardwareInfo hw() {
    HardwareInfo h;
    h.units.push_back({"iommu", rig.mmio.base});
    h.memory_size = rig.mem.size();
    return h;
  }
  IoptRig() {
    rig.iommu->set_zero_cost(true);
    cpu.set_free(true);
    drv.boot();
    REQUIRE(vmm.mmap("g", 16 << 20, 4096, false, va) == Errno::Ok);
  }
  Errno run(Task<Errno> t) {
    Errno out = Errno::Einval;
    bool done = false;
    auto body = [](Task<Errno> t, Errno& out) -> Task<> { out = co_await t; };
    Fiber f = Fiber::start(body(std::move(t), out), [&done](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      done = true;
    });
    while (!done && rig.d.run_one()) {
    }
    REQUIRE(done);
    return out;
  }
  Errno map(uint64_t iova, uint64_t off, uint64_t len) {
    uint64_t placed;
    return run(iopt.map(drv, vmm, iova, va + off, len, true, true, placed));
  }
  Errno unmap1(uint64_t iova, uint64_t len, uint64_t& n) {
    return run(iopt.unmap_type1v1(drv, iova, len, n));
  }
};

}  // namespace sim::test
