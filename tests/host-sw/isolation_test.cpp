// Randomized isolation property, 30 seeds: a device reaches exactly what its domain
// maps, with the mapped permission; anything else (unmapped, read-only for a write,
// another IOAS's mappings, after detach) faults.
#include <doctest/doctest.h>

#include <sstream>

#include "models/base/rng.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {
struct Mapping {
  bool in_a;
  uint64_t iova, length;
  bool writable;
};
}  // namespace

TEST_CASE("isolation: random mappings, random DMAs, 30 seeds") {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    CAPTURE(seed);
    Rng rng(seed, "isolation");
    std::ostringstream y;
    y << "memory: [{name: g, size: 16MiB, backing: 4KiB}, {name: h, size: 16MiB, backing: 2MiB}]\n"
         "setup:\n  - {op: ioas_alloc, id: a}\n  - {op: ioas_alloc, id: b}\n"
         "  - {op: hwpt_alloc, id: ha, ioas: a}\n  - {op: hwpt_alloc, id: hb, ioas: b}\n"
         "  - {op: attach, device: nic0, hwpt: ha}\n";
    std::vector<Mapping> maps;
    // Disjoint slots of 4 MiB; each map covers part of one slot.
    for (uint64_t slot = 0; slot < 16; ++slot) {
      if (rng.below(3) == 0) continue;
      const bool huge = rng.below(2);
      Mapping m{rng.below(2) == 0, slot << 22, huge ? 2ull << 20 : (1 + rng.below(256)) * 4096,
                rng.below(4) != 0};
      y << "  - {op: ioas_map, ioas: " << (m.in_a ? "a" : "b") << ", iova: " << m.iova
        << ", user: " << (huge ? "h" : "g")
        << ", offset: " << (huge ? 2ull << 20 : rng.below(1024) * 4096) << ", length: " << m.length
        << ", prot: " << (m.writable ? "rw" : "r") << "}\n";
      maps.push_back(m);
    }
    HostRig rig(y.str());
    rig.run(kMs);
    REQUIRE(rig.stat("host.steps_failed") == 0);
    REQUIRE(rig.host->check_invariants() == "");
    auto expect_ok = [&](uint64_t iova, bool write) {
      for (const Mapping& m : maps)
        if (m.in_a && iova >= m.iova && iova < m.iova + m.length) return !write || m.writable;
      return false;
    };
    Ps t = kMs;
    for (int probe = 0; probe < 400; ++probe) {
      const uint64_t iova = rng.below(64ull << 20) & ~63ull;
      const bool write = rng.below(2);
      Translation tr = rig.iommu->translate(0x0100, kNoPasid, iova, 64, write, t += kUs);
      CHECK_MESSAGE(tr.ok == expect_ok(iova, write),
                    "iova " << hex(iova) << (write ? " write" : " read"));
    }
  }
}

TEST_CASE("isolation: after detach every DMA of the device faults") {
  HostRig rig(R"(
memory: [{name: g, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: ha, ioas: a}
  - {op: attach, device: nic0, hwpt: ha}
  - {op: ioas_map, ioas: a, iova: 0, user: g, length: 1MiB}
steps:
  - {at: 10us, op: detach, device: nic0}
)");
  rig.run(kMs);
  for (uint64_t iova = 0; iova < (1 << 20); iova += 0x10000)
    CHECK_FALSE(rig.iommu->translate(0x0100, kNoPasid, iova, 64, true, 2 * kMs).ok);
  CHECK(rig.stat("host.steps_failed") == 0);
}
