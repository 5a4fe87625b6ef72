// The kernel's selftests for domain replace, GET_HW_INFO and the enforced-dirty
// cases (tools/testing/selftests/iommu/iommufd.c), in our host operations; each case
// names the test it mirrors.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// As failures(), on an IOMMU whose walks do not see the CPU's clears: it cannot
// track dirty pages (the kernel's MOCK_FLAGS_DEVICE_NO_DIRTY device).
int64_t failures_no_dirty(const std::string& host_yaml) {
  IommuConfig ic;
  ic.coherent_walk = false;
  HostRig rig(std::string(kMem) + host_yaml, ic);
  return checked_run(rig);
}

}  // namespace

TEST_CASE("TEST_F(iommufd_mock_domain, replace): an attached device moves between HWPTs") {
  // Two HWPTs on one IOAS, then one on another IOAS: the device's reserved MSI window
  // follows it; replacing with the same HWPT twice is 0; a device not attached is EINVAL.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: hwpt_alloc, id: h0, ioas: a}
  - {op: hwpt_alloc, id: h1, ioas: a}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: replace, device: nic0, hwpt: h1, expect: EINVAL}
  - {op: attach, device: nic0, hwpt: h0}
  - {op: replace, device: nic0, hwpt: h1}
  - {op: replace, device: nic0, hwpt: h1}
  - {op: destroy, object: h0}
  - {op: destroy, object: h1, expect: EBUSY}
  - {op: replace, device: nic0, hwpt: h0, expect: ENOENT}
  - {op: replace, device: nic0, hwpt: hb}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffff"]}
  - {op: ioas_iova_ranges, ioas: b,
     expect_ranges: ["0-0xfedfffff", "0xfef00000-0xffffffffffff"]}
  - {op: ioas_destroy, ioas: b, expect: EBUSY}
  - {op: replace, device: nic0, hwpt: h1}
  - {op: detach, device: nic0}
  - {op: destroy, object: hb}
  - {op: ioas_destroy, ioas: b}
)") == 0);
}

TEST_CASE("TEST_F(iommufd_device_pasid, pasid_attach): a PASID replace, and its errors") {
  // A PASID reserves no MSI window (iommufd reserves regions in the non-PASID path
  // only): an allowed range over it does not stop a PASID replace, and does stop the
  // device's own.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: h, ioas: a, pasid: true}
  - {op: hwpt_alloc, id: g, ioas: b, pasid: true}
  - {op: replace, device: nic0, pasid: 100, hwpt: g, expect: EINVAL}
  - {op: attach, device: nic0, pasid: 100, hwpt: h}
  - {op: replace, device: nic0, pasid: 100, hwpt: g}
  - {op: replace, device: nic0, pasid: 100, hwpt: g}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0xfee00000-0xfeefffff"]}
  - {op: replace, device: nic0, pasid: 100, hwpt: h}
  - {op: replace, device: nic0, pasid: 100, hwpt: g}
  - {op: ioas_allow_iovas, ioas: a, ranges: []}
  - {op: replace, device: nic0, hwpt: h, expect: EINVAL}
  - {op: attach, device: nic0, hwpt: g}
  - {op: ioas_allow_iovas, ioas: a, ranges: ["0xfee00000-0xfeefffff"]}
  - {op: replace, device: nic0, hwpt: h, expect: EADDRINUSE}
  - {op: ioas_allow_iovas, ioas: a, ranges: []}
  - {op: replace, device: nic0, hwpt: h}
  - {op: detach, device: nic0}
  - {op: replace, device: nic0, pasid: 100, hwpt: h}
  - {op: detach, device: nic0, pasid: 100}
)") == 0);
}

TEST_CASE("a replace keeps translating: the new domain's mappings, the old one's gone") {
  // The device's requests go through the new page table right after the replace.
  HostRig rig(std::string(kMem) + R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: hwpt_alloc, id: g, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: b, iova: 0x200000, user: guest, length: 64KiB}
  - {op: attach, device: nic0, hwpt: h}
steps:
  - {at: 2us, op: replace, device: nic0, hwpt: g}
)");
  rig.write_at(1 * kUs, 0x100000);
  rig.write_at(5 * kUs, 0x200000);
  rig.write_at(6 * kUs, 0x100000);  // no longer mapped for this device: a fault
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.faults") == 1);
}

TEST_CASE(
    "TEST_F(iommufd_dirty_tracking, get_dirty_bitmap / device_dirty_capability): GET_HW_INFO") {
  CHECK(failures(R"(
setup:
  - {op: get_hw_info, device: nic0, expect_capabilities: [dirty_tracking], expect_data_type: 1}
  - {op: get_hw_info, device: nic0, flags: 1, expect: EOPNOTSUPP}
)") == 0);
  CHECK(failures_no_dirty(R"(
setup:
  - {op: get_hw_info, device: nic0, expect_capabilities: []}
)") == 0);
  // The capability is what it says: expecting it on a unit without it fails.
  CHECK(failures_no_dirty(R"(
setup:
  - {op: get_hw_info, device: nic0, expect_capabilities: [dirty_tracking]}
)") == 1);
}

TEST_CASE(
    "TEST_F(iommufd_dirty_tracking, enforce_dirty): no tracking domain for a device that cannot") {
  // hwpt_alloc with the dirty flag for such a device is EOPNOTSUPP; attaching or
  // replacing it onto a tracking domain is EINVAL; a domain without the flag is fine.
  CHECK(failures_no_dirty(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: d, ioas: a, dirty_tracking: true, device: nic0, expect: EOPNOTSUPP}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: hwpt_alloc, id: t, ioas: a, dirty_tracking: true, expect: EOPNOTSUPP}
  - {op: set_dirty_tracking, hwpt: h, enable: true, expect: EOPNOTSUPP}
)") == 0);
}
