// Nesting's host objects with the kernel's errno: nesting-parent and nested HWPTs,
// vIOMMUs and vDEVICEs, HWPT_INVALIDATE and its count of handled requests, attach and
// destroy (iommufd's hw_pagetable.c and viommu.c, VT-d's nested.c).
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// A nesting parent over the guest and a nested HWPT on it for nic0.
const char* kNested = R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0, user: guest, length: 16MiB}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true, dirty_tracking: true}
  - {op: hwpt_alloc_nested, id: s1, parent: s2, device: nic0, s1_root: 0x100000, flags: [pasid]}
)";

// Runs kNested plus `more` (in setup) on hardware edited by `edit`.
int64_t nested_failures(const std::string& more,
                        const std::function<void(HardwareInfo&)>& edit = {}) {
  HostRig rig(std::string(kMem) + kNested + more, nesting_unit(), edit);
  return checked_run(rig);
}

}  // namespace

TEST_CASE("hwpt_alloc_nested: the parent must be a nesting parent (iommufd_hwpt_nested_alloc)") {
  CHECK(nested_failures(R"(
  - {op: hwpt_alloc, id: plain, ioas: a}
  - {op: hwpt_alloc_nested, id: n1, parent: plain, device: nic0, s1_root: 0, expect: EINVAL}
  - {op: hwpt_alloc_nested, id: n2, parent: s1, device: nic0, s1_root: 0, expect: EINVAL}
  - {op: hwpt_alloc_nested, id: n3, parent: a, device: nic0, s1_root: 0, expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: n4, parent: s2, device: nic0, s1_root: 0,
     flags: [dirty_tracking], expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: n5, parent: s2, device: nic0, s1_root: 0,
     data_type: arm_smmuv3, expect: EOPNOTSUPP}
  - {op: hwpt_destroy, hwpt: plain}
  - {op: hwpt_alloc_nested, id: n6, parent: plain, device: nic0, s1_root: 0, expect: EINVAL}
)") == 0);
}

TEST_CASE("nested HWPTs are not paging HWPTs: the dirty-tracking calls are ENOENT") {
  CHECK(nested_failures(R"(
  - {op: set_dirty_tracking, hwpt: s1, enable: true, expect: ENOENT}
  - {op: get_dirty_bitmap, hwpt: s1, iova: 0, length: 16MiB, expect: ENOENT}
  - {op: set_dirty_tracking, hwpt: s2, enable: true}
  - {op: get_dirty_bitmap, hwpt: s2, iova: 0, length: 16MiB, expect_dirty: []}
)") == 0);
}

TEST_CASE("a unit without nested translation refuses parents and vIOMMUs with EOPNOTSUPP") {
  HostRig rig(std::string(kMem) + R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true, expect: EOPNOTSUPP}
  - {op: hwpt_alloc, id: s2b, ioas: a}
  - {op: viommu_alloc, id: v, hwpt: s2b, device: nic0, expect: EOPNOTSUPP}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
}

TEST_CASE("viommu_alloc: ENOENT unless a paging HWPT, EINVAL unless a nesting parent") {
  CHECK(nested_failures(R"(
  - {op: hwpt_alloc, id: plain, ioas: a}
  - {op: viommu_alloc, id: v0, hwpt: plain, device: nic0, expect: EINVAL}
  - {op: viommu_alloc, id: v1, hwpt: s1, device: nic0, expect: ENOENT}
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: hwpt_alloc_nested, id: on_v, parent: v, device: nic0, s1_root: 0x200000}
)") == 0);
}

TEST_CASE("vdevice_alloc: one vDEVICE per device, one device per virtual ID (EEXIST)") {
  CHECK(nested_failures(R"(
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: vdevice_alloc, id: d0, viommu: v, device: nic0, virt_id: 0x10}
  - {op: vdevice_alloc, id: d1, viommu: v, device: nic0, virt_id: 0x11, expect: EEXIST}
  - {op: destroy, object: d0}
  - {op: vdevice_alloc, id: d2, viommu: v, device: nic0, virt_id: 0x11}
  - {op: destroy, object: d2}
  - {op: destroy, object: v}
  - {op: vdevice_alloc, id: d3, viommu: v, device: nic0, virt_id: 0x12, expect: ENOENT}
)") == 0);
}

TEST_CASE("hwpt_invalidate: EINVAL but on a nested HWPT or a vIOMMU, ENOENT once gone") {
  CHECK(nested_failures(R"(
  - {op: hwpt_invalidate, hwpt: s2, requests: [{addr: 0, npages: 1}], expect: EINVAL,
     expect_done: 0}
  - {op: hwpt_invalidate, hwpt: a, requests: [{addr: 0, npages: 1}], expect: EINVAL}
  - {op: hwpt_invalidate, hwpt: s1, requests: []}
  - {op: hwpt_invalidate, hwpt: s1, requests: [{addr: 0x1000, npages: 2, leaf: true}],
     expect_done: 1}
  - {op: hwpt_destroy, hwpt: s1}
  - {op: hwpt_invalidate, hwpt: s1, requests: [{addr: 0, npages: 1}], expect: ENOENT,
     expect_done: 0}
)") == 0);
}

TEST_CASE("hwpt_invalidate stops at the first refused request and says how many it handled") {
  // As intel_nested_cache_invalidate_user: unknown flags EOPNOTSUPP, a misaligned address
  // or every page from a non-zero address EINVAL; the count is written back either way.
  CHECK(nested_failures(R"(
  - {op: attach, device: nic0, hwpt: s1}
  - {op: hwpt_invalidate, hwpt: s1, expect: EOPNOTSUPP, expect_done: 2,
     requests: [{addr: 0x1000, npages: 1}, {addr: 0, npages: all}, {addr: 0, flags: 2},
                {addr: 0x2000, npages: 1}]}
  - {op: hwpt_invalidate, hwpt: s1, expect: EINVAL, expect_done: 1,
     requests: [{addr: 0x1000, npages: 1}, {addr: 0x1800, npages: 1}]}
  - {op: hwpt_invalidate, hwpt: s1, expect: EINVAL, expect_done: 0,
     requests: [{addr: 0x1000, npages: all}]}
)") == 0);
}

TEST_CASE("hwpt_invalidate on a vIOMMU: a virtual ID without a vDEVICE is EIO") {
  CHECK(nested_failures(R"(
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: vdevice_alloc, id: d0, viommu: v, device: nic0, virt_id: 0x10}
  - {op: hwpt_alloc_nested, id: g, parent: v, device: nic0, s1_root: 0x200000}
  - {op: attach, device: nic0, hwpt: g}
  - {op: hwpt_invalidate, hwpt: v, expect_done: 2,
     requests: [{vdev_id: 0x10, addr: 0, npages: 1}, {vdev_id: 0x10, npages: all}]}
  - {op: hwpt_invalidate, hwpt: v, expect: EIO, expect_done: 1,
     requests: [{vdev_id: 0x10, addr: 0, npages: 1}, {vdev_id: 0x11, addr: 0, npages: 1}]}
)") == 0);
}

TEST_CASE("the driver turns each guest request into stage-1 descriptors and a wait") {
  HostRig rig(std::string(kMem) + kNested + R"(
  - {op: attach, device: nic0, hwpt: s1}
steps:
  - {at: 1us, op: hwpt_invalidate, hwpt: s1,
     requests: [{addr: 0x1000, npages: 1}, {addr: 0x4000, npages: 3}, {npages: all}]}
)",
              nesting_unit());
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.nested.inv_requests") == 3);
  CHECK(rig.stat("host.nested.inv_descriptors") == 3);  // nic0 has no ATC
  CHECK(rig.stat("host.nested.inv_ns") > 0);
}

TEST_CASE("attach to a nested HWPT: a 5-level stage 1 on a unit without it is EINVAL") {
  auto four_only = [](HardwareInfo& hw) { hw.units[0].fs_5level = false; };
  CHECK(nested_failures(R"(
  - {op: hwpt_alloc_nested, id: deep, parent: s2, device: nic0, s1_root: 0, addr_width: 57}
  - {op: attach, device: nic0, hwpt: deep, expect: EINVAL}
  - {op: attach, device: nic0, hwpt: s1}
  - {op: attach, device: nic0, pasid: 3, hwpt: s1}
  - {op: detach, device: nic0, pasid: 3}
  - {op: detach, device: nic0}
  - {op: attach, device: nic0, hwpt: deep, expect: EINVAL}
)",
                        four_only) == 0);
  CHECK(nested_failures(R"(
  - {op: hwpt_alloc_nested, id: deep, parent: s2, device: nic0, s1_root: 0, addr_width: 57}
  - {op: attach, device: nic0, hwpt: deep}
)") == 0);
}

TEST_CASE("destroy: what a nested HWPT, vIOMMU or vDEVICE holds is EBUSY until it goes") {
  CHECK(nested_failures(R"(
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: vdevice_alloc, id: d0, viommu: v, device: nic0, virt_id: 7}
  - {op: hwpt_alloc_nested, id: g, parent: v, device: nic0, s1_root: 0x200000}
  - {op: attach, device: nic0, hwpt: g}
  - {op: hwpt_destroy, hwpt: s2, expect: EBUSY}
  - {op: destroy, object: g, expect: EBUSY}
  - {op: destroy, object: v, expect: EBUSY}
  - {op: detach, device: nic0}
  - {op: destroy, object: g}
  - {op: destroy, object: v, expect: EBUSY}
  - {op: destroy, object: d0}
  - {op: hwpt_destroy, hwpt: s2, expect: EBUSY}
  - {op: destroy, object: v}
  - {op: hwpt_destroy, hwpt: s2, expect: EBUSY}
  - {op: hwpt_destroy, hwpt: s1}
  - {op: hwpt_destroy, hwpt: s2}
  - {op: ioas_destroy, ioas: a}
)") == 0);
}
