// vEVENTQs (IOMMU_VEVENTQ_ALLOC, read(2) on the queue) and HW queues
// (IOMMU_HW_QUEUE_ALLOC) with the kernel's errno, sequence numbers and overflow rule
// (iommufd's eventq.c, viommu.c, driver.c; the selftest's iommufd_viommu fixture).
#include <doctest/doctest.h>

#include "host-sw/iommufd/veventq.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// The selftest's iommufd_viommu fixture, on our nesting unit: nic0 attached to its
// IOAS, a nesting parent, a vIOMMU on it and a nested HWPT on the vIOMMU.
const char* kViommu = R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0, user: guest, length: 8MiB}
  - {op: attach, device: nic0, hwpt: a}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true}
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: hwpt_alloc_nested, id: g, parent: v, device: nic0, s1_root: 0x100000}
)";

int64_t viommu_failures(const std::string& more) {
  HostRig rig(std::string(kMem) + kViommu + more, nesting_unit());
  return checked_run(rig);
}

std::vector<uint8_t> event(uint8_t b) {
  return std::vector<uint8_t>(4, b);
}

}  // namespace

TEST_CASE("TEST_F(iommufd_viommu, vdevice_alloc): the vEVENTQ part, overflow and sequence") {
  // Depth 2: one event (sequence 0); then three with only two slots: 1 and 2 are kept,
  // the third is lost and the LOST_EVENTS header carries its sequence 3 (the
  // selftest's read of three entries sees the header: EOVERFLOW); the next event is 4.
  CHECK(viommu_failures(R"(
  - {op: veventq_alloc, id: q, viommu: v, type: selftest, depth: 2}
  - {op: veventq_alloc, id: q2, viommu: v, type: selftest, depth: 2, expect: EEXIST}
  - {op: vdevice_alloc, id: d, viommu: v, device: nic0, virt_id: 0x99}
  - {op: replace, device: nic0, hwpt: g}
  - {op: trigger_vevents, device: nic0, count: 1}
  - {op: veventq_read, veventq: q, count: 12, expect_bytes: 12,
     expect_events: [{sequence: 0, virt_id: 0x99}]}
  - {op: vdevice_alloc, id: d1, viommu: v, device: nic0, virt_id: 0x99, expect: EEXIST}
  - {op: replace, device: nic0, hwpt: a}
  - {op: destroy, object: d}
  - {op: vdevice_alloc, id: d2, viommu: v, device: nic0, virt_id: 0x88}
  - {op: replace, device: nic0, hwpt: g}
  - {op: trigger_vevents, device: nic0, count: 3}
  - {op: veventq_read, veventq: q, count: 36, expect_bytes: 32,
     expect_events: [{sequence: 1, virt_id: 0x88}, {sequence: 2, virt_id: 0x88},
                     {lost: true, sequence: 3}]}
  - {op: trigger_vevents, device: nic0, count: 1}
  - {op: veventq_read, veventq: q, count: 12, expect_bytes: 12,
     expect_events: [{sequence: 4, virt_id: 0x88}]}
  - {op: replace, device: nic0, hwpt: a}
  - {op: destroy, object: d2}
  - {op: destroy, object: g}
  - {op: destroy, object: v, expect: EBUSY}
  - {op: destroy, object: q, expect: EBUSY}
  - {op: veventq_close, veventq: q}
  - {op: veventq_read, veventq: q, expect: EBADF}
  - {op: veventq_close, veventq: q, expect: EBADF}
  - {op: destroy, object: q}
  - {op: veventq_read, veventq: q, expect: EBADF}
  - {op: destroy, object: v}
)") == 0);
}

TEST_CASE("veventq_alloc: the errno order of iommufd_veventq_alloc, and a vEVENTQ is no HWPT") {
  CHECK(viommu_failures(R"(
  - {op: veventq_alloc, id: q0, viommu: v, type: default, depth: 2, expect: EOPNOTSUPP}
  - {op: veventq_alloc, id: q1, viommu: v, type: selftest, depth: 2, flags: 1, expect: EOPNOTSUPP}
  - {op: veventq_alloc, id: q2, viommu: v, type: default, depth: 0, expect: EOPNOTSUPP}
  - {op: veventq_alloc, id: q3, viommu: v, type: selftest, depth: 0, expect: EINVAL}
  - {op: veventq_alloc, id: q4, viommu: v, type: s1_fault, depth: 8}
  - {op: veventq_alloc, id: q5, viommu: v, type: selftest, depth: 8}
  - {op: veventq_alloc, id: q6, viommu: v, type: s1_fault, depth: 1, expect: EEXIST}
  - {op: hwpt_invalidate, hwpt: q4, requests: [], expect: EINVAL}
  - {op: replace, device: nic0, hwpt: q4, expect: EINVAL}
  - {op: veventq_close, veventq: q4}
  - {op: destroy, object: q4}
  - {op: veventq_alloc, id: q7, viommu: v, type: s1_fault, depth: 1}
  - {op: veventq_close, veventq: q5}
  - {op: destroy, object: q5}
  - {op: veventq_close, veventq: q7}
  - {op: destroy, object: q7}
  - {op: destroy, object: g}
  - {op: destroy, object: v}
  - {op: veventq_alloc, id: q8, viommu: v, type: selftest, depth: 2, expect: ENOENT}
)") == 0);
}

TEST_CASE("trigger_vevents (IOMMU_TEST_OP_TRIGGER_VEVENT): ENOENT unless nested with a vDEVICE") {
  CHECK(viommu_failures(R"(
  - {op: trigger_vevents, device: nic0, expect: ENOENT}
  - {op: vdevice_alloc, id: d, viommu: v, device: nic0, virt_id: 7}
  - {op: trigger_vevents, device: nic0, expect: ENOENT}
  - {op: replace, device: nic0, hwpt: g}
  - {op: trigger_vevents, device: nic0, expect: EOPNOTSUPP}
  - {op: veventq_alloc, id: q, viommu: v, type: s1_fault, depth: 2}
  - {op: trigger_vevents, device: nic0, expect: EOPNOTSUPP}
  - {op: veventq_read, veventq: q, expect_bytes: 0, expect_events: []}
)") == 0);
}

TEST_CASE("vEVENTQ overflow: the header moves to the tail and leaves it for the next kept event") {
  Veventq q(uint32_t(VeventqType::Selftest), 2);
  CHECK(q.report(event(1)) == Errno::Ok);  // 0
  CHECK(q.report(event(2)) == Errno::Ok);  // 1
  CHECK(q.report(event(3)) == Errno::Ok);  // 2: lost, the header
  CHECK(q.report(event(4)) == Errno::Ok);  // 3: lost, the header again
  CHECK(q.num_events() == 2);
  CHECK(q.lost_queued());
  std::vector<Vevent> got;
  // A buffer that holds one event: the first event only.
  CHECK(q.read(12, got) == 12);
  REQUIRE(got.size() == 1);
  CHECK(got[0].sequence == 0);
  CHECK(got[0].data == event(1));
  // A slot is free: the next event is kept and takes the header off the tail, so the
  // reader sees the loss as a gap (1, then 4).
  CHECK(q.report(event(5)) == Errno::Ok);
  CHECK_FALSE(q.lost_queued());
  got.clear();
  CHECK(q.read(4096, got) == 24);
  REQUIRE(got.size() == 2);
  CHECK(got[0].sequence == 1);
  CHECK(got[1].sequence == 4);
  CHECK(got[1].data == event(5));
  CHECK(q.num_events() == 0);
}

TEST_CASE("vEVENTQ read: short buffers, the header alone, and no slot freed by reading it") {
  Veventq q(uint32_t(VeventqType::Selftest), 1);
  q.report(event(1));
  q.report(event(2));  // lost: the header, sequence 1
  std::vector<Vevent> got;
  CHECK(q.read(7, got) == 0);   // not even a header fits
  CHECK(q.read(11, got) == 0);  // the event needs 12
  CHECK(got.empty());
  CHECK(q.read(20, got) == 20);  // the event, then the 8-byte header fits in what is left
  REQUIRE(got.size() == 2);
  CHECK(got[1].lost);
  CHECK(got[1].sequence == 1);
  CHECK(got[1].data.empty());
  // ENOMEM: the event's allocation failed; the header is queued with its sequence.
  CHECK(q.report(event(3), true) == Errno::Enomem);
  CHECK(q.lost_queued());
  CHECK(q.num_events() == 0);
  got.clear();
  CHECK(q.read(8, got) == 8);
  CHECK(got.at(0).sequence == 2);
}

TEST_CASE("vEVENTQ sequence numbers wrap from INT_MAX to 0") {
  Veventq q(uint32_t(VeventqType::Selftest), 4);
  q.set_next_sequence(Veventq::kMaxSequence - 1);
  for (uint8_t i = 0; i < 3; ++i) q.report(event(i));
  std::vector<Vevent> got;
  q.read(4096, got);
  REQUIRE(got.size() == 3);
  CHECK(got[0].sequence == 0x7ffffffe);
  CHECK(got[1].sequence == 0x7fffffff);
  CHECK(got[2].sequence == 0);
}

TEST_CASE("TEST_F(iommufd_viommu, hw_queue): errno order, pinning, index order, destroy order") {
  // The selftest on our vIOMMU (it serves the selftest driver's queue type): the
  // guest's queue pages are pinned by an internal access, so IOAS_UNMAP of them is
  // EBUSY until the queue goes; index 1 needs index 0 and holds it (EBUSY).
  CHECK(viommu_failures(R"(
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: p2, ioas: b, nest_parent: true}
  - {op: viommu_alloc, id: w, hwpt: p2, device: nic0}
  - {op: hw_queue_alloc, id: x0, viommu: w, type: default, index: 0, iova: 0x10000,
     length: 4096, expect: EOPNOTSUPP}
  - {op: hw_queue_alloc, id: x1, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 0, expect: EINVAL}
  - {op: hw_queue_alloc, id: x2, viommu: w, type: selftest, index: 0,
     iova: 0xffffffffffffffff, length: 4096, expect: EOVERFLOW}
  - {op: hw_queue_alloc, id: x3, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 4096, expect: ENOENT}
  - {op: hw_queue_alloc, id: x8, viommu: w, type: selftest, index: 0, iova: 0,
     length: 0xffffffffffffffff, expect: ERANGE}
  - {op: hw_queue_alloc, id: x4, viommu: w, type: tegra241_cmdqv, index: 0, iova: 0x10000,
     length: 4096, expect: EOPNOTSUPP}
  - {op: ioas_map, ioas: b, iova: 0x10000, user: guest, offset: 0, length: 4096}
  - {op: ioas_map, ioas: b, iova: 0x11000, user: guest, offset: 4096, length: 4096}
  - {op: hw_queue_alloc, id: x5, viommu: w, type: selftest, index: 1, iova: 0x10000,
     length: 4096, expect: EIO}
  - {op: hw_queue_alloc, id: x6, viommu: w, type: selftest, index: 2, iova: 0x10000,
     length: 4096, expect: EINVAL}
  - {op: hw_queue_alloc, id: q0, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 4096}
  - {op: hw_queue_alloc, id: x7, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 4096, expect: EEXIST}
  - {op: ioas_unmap, ioas: b, iova: 0x10000, length: 4096, expect: EBUSY}
  - {op: ioas_unmap, ioas: b, iova: 0x11000, length: 4096}
  - {op: hw_queue_alloc, id: q1, viommu: w, type: selftest, index: 1, iova: 0x10800,
     length: 2048}
  - {op: destroy, object: q0, expect: EBUSY}
  - {op: destroy, object: w, expect: EBUSY}
  - {op: destroy, object: q1}
  - {op: destroy, object: q0}
  - {op: ioas_unmap, ioas: b, iova: 0x10000, length: 4096}
  - {op: destroy, object: w}
)") == 0);
}

TEST_CASE("hw_queue_alloc: pages not physically contiguous are EFAULT, nothing left pinned") {
  // Two IOVA pages backed by guest pages 0 and 2: the pin succeeds, the check fails.
  HostRig rig(std::string(kMem) + kViommu + R"(
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: p2, ioas: b, nest_parent: true}
  - {op: viommu_alloc, id: w, hwpt: p2, device: nic0}
  - {op: ioas_map, ioas: b, iova: 0x10000, user: guest, offset: 0, length: 4096}
  - {op: ioas_map, ioas: b, iova: 0x11000, user: guest, offset: 8192, length: 4096}
  - {op: hw_queue_alloc, id: x, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 8192, expect: EFAULT}
  - {op: ioas_unmap, ioas: b, iova: 0x10000, length: 8192}
  - {op: hw_queue_alloc, id: y, viommu: w, type: selftest, index: 0, iova: 0x10000,
     length: 4096, expect: ENOENT}
)",
              nesting_unit());
  CHECK(checked_run(rig) == 0);
}

TEST_CASE("an automatic HWPT's name passes over a vEVENTQ's") {
  // Every kind of object shares one name space: the IOAS's next automatic name is
  // taken by the vEVENTQ, so the HWPT gets the one after it.
  HostRig rig(std::string(kMem) + kViommu + R"(
  - {op: veventq_alloc, id: "b#auto1", viommu: v, type: selftest, depth: 2}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: b, iova: 0, user: guest, length: 8MiB}
  - {op: replace, device: nic0, hwpt: b}
)",
              nesting_unit());
  CHECK(checked_run(rig) == 0);
  CHECK(rig.host->hwpts().count("b#auto2") == 1);
  CHECK(rig.host->hwpts().count("b#auto1") == 0);
  CHECK(rig.host->veventqs().count("b#auto1") == 1);
}
