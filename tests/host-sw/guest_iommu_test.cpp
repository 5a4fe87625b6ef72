// The guest's IOMMU driver: its stage-1 table in guest memory, walked by the IOMMU
// through the nesting parent; strict mode invalidates every remap, lazy mode leaves
// the old translation in use until its flush queue flushes.
#include <doctest/doctest.h>

#include "tests/host-sw/host_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// nic0 on a nested HWPT whose stage 1 the guest owns at GPA 1 MiB; 4 buffers at IOVA
// 1 GiB over GPA 4 MiB, remapped per packet every 10 us from 10 us (4 packets).
std::string guest_yaml(const char* mode) {
  return std::string(R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0, user: guest, length: 16MiB}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true, dirty_tracking: true}
  - {op: hwpt_alloc_nested, id: s1, parent: s2, device: nic0, s1_root: 0x100000}
  - {op: attach, device: nic0, hwpt: s1}
guest: {hwpt: s1, table_base: 0x100000, table_size: 64KiB, iova: 0x40000000, gpa: 0x400000,
        buffers: 4, map: per_packet, start: 10us, interval: 10us, packets: 4, mode: )") +
         mode + "}\n";
}

struct Probe : EventTarget {
  Iommu* iommu = nullptr;
  std::vector<std::pair<Ps, uint64_t>> at;
  std::vector<Translation> got;
  void on_event(Ps now, uint64_t i) override {
    got.push_back(iommu->translate(0x0100, kNoPasid, at[i].second, 64, true, now));
  }
};

// The host physical address of guest physical `gpa` (the guest's memory is at user VA
// 0x7f0000000000, IOVA 0 of the parent).
uint64_t hpa(HostRig& rig, uint64_t gpa) {
  return *rig.host->vmm().pa(0x7f0000000000 + gpa);
}

}  // namespace

TEST_CASE("guest strict: each remap is invalidated before the next packet") {
  HostRig rig(guest_yaml("strict"), nesting_unit());
  Probe p;
  p.iommu = rig.iommu.get();
  // The remap at 10 us is invalidated after the trap (5 us) and the host's flush.
  p.at = {{5 * kUs, 0x40000000}, {19 * kUs, 0x40000000}, {19 * kUs, 0x40001000}};
  for (size_t i = 0; i < p.at.size(); ++i) rig.d.schedule(p.at[i].first, Rank::Device, &p, i);
  rig.run(1 * kMs);
  REQUIRE(p.got.size() == 3);
  CHECK(p.got[0].ok);
  CHECK(p.got[0].pa == hpa(rig, 0x400000));
  CHECK(p.got[1].pa == hpa(rig, 0x404000));  // packet 0 moved buffer 0 to the other half
  CHECK(p.got[2].pa == hpa(rig, 0x401000));  // buffer 1 is remapped only at 20 us
  CHECK(rig.stat("guest.invalidations") == 4);
  CHECK(rig.stat("host.nested.inv_requests") == 4);
  CHECK(rig.stat("host.steps_failed") == 0);
}

TEST_CASE("guest lazy: the old translation stays in use until the flush queue flushes") {
  HostRig rig(guest_yaml("lazy"), nesting_unit());
  Probe p;
  p.iommu = rig.iommu.get();
  p.at = {{5 * kUs, 0x40000000}, {15 * kUs, 0x40000000}, {11 * kMs, 0x40000000}};
  for (size_t i = 0; i < p.at.size(); ++i) rig.d.schedule(p.at[i].first, Rank::Device, &p, i);
  rig.run(20 * kMs);
  REQUIRE(p.got.size() == 3);
  CHECK(p.got[1].pa == hpa(rig, 0x400000));  // stale: the IOTLB still holds the old page
  CHECK(p.got[2].pa == hpa(rig, 0x404000));  // the 10 ms timer flushed
  CHECK(rig.stat("guest.invalidations") == 1);
  CHECK(rig.stat("guest.fq_flushes") == 1);
}
