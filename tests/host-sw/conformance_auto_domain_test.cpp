// The kernel's selftests that attach a device to an IOAS itself (an automatic domain,
// iommufd_device_auto_get_domain), in our host operations; each case names the test
// it mirrors.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

TEST_CASE("TEST_F(iommufd_mock_domain, replace): replace to an IOAS, the prior auto HWPT goes") {
  // The fixture attaches its mock device to the IOAS (an automatic domain, h0). Replace
  // to a new IOAS allocates one there and destroys h0 (ENOENT when named again);
  // replacing to the same IOAS again reuses its domain; back to the first IOAS.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: attach, device: nic0, hwpt: a, auto_hwpt: h0}
  - {op: ioas_alloc, id: b}
  - {op: replace, device: nic0, hwpt: b, auto_hwpt: hb}
  - {op: replace, device: nic0, hwpt: h0, expect: ENOENT}
  - {op: replace, device: nic0, hwpt: b, auto_hwpt: hb}
  # h0 went with its last device: no aperture, no MSI window left in a
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffffffff"]}
  - {op: replace, device: nic0, hwpt: a, auto_hwpt: h1}
  - {op: destroy, object: hb, expect: ENOENT}
  - {op: destroy, object: b}
  - {op: detach, device: nic0}
  - {op: destroy, object: h1, expect: ENOENT}
  - {op: destroy, object: a}
)") == 0);
}

TEST_CASE("automatic domains: reused by a second user, never a manual HWPT, gone with the last") {
  // iommufd_device_auto_get_domain: a PASID attach to the same IOAS reuses the auto
  // domain; a HWPT the user allocated is never picked; the auto HWPT stays while any
  // user remains and is EBUSY to destroy meanwhile.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: manual, ioas: a}
  - {op: attach, device: nic0, hwpt: a, auto_hwpt: auto}
  - {op: attach, device: nic0, pasid: 5, hwpt: a, auto_hwpt: auto}
  - {op: attach, device: nic0, hwpt: a, expect: EBUSY}
  - {op: destroy, object: auto, expect: EBUSY}
  - {op: detach, device: nic0}
  - {op: destroy, object: auto, expect: EBUSY}
  - {op: detach, device: nic0, pasid: 5}
  - {op: destroy, object: auto, expect: ENOENT}
  - {op: destroy, object: manual}
  - {op: destroy, object: a}
)") == 0);
  // The name the scenario expects is checked: a reuse under another name fails.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: attach, device: nic0, hwpt: a, auto_hwpt: one}
  - {op: attach, device: nic0, pasid: 5, hwpt: a, auto_hwpt: two}
)") == 1);
}

TEST_CASE("attach / replace targets: an IOAS or a HWPT, another object EINVAL, none ENOENT") {
  // iommufd_device_change_pt: any other object type is EINVAL. A replace of a device
  // not attached to an IOAS is EINVAL after the automatic domain it made is undone.
  HostRig rig(std::string(kMem) + R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: access_create, id: x, ioas: a}
  - {op: attach, device: nic0, hwpt: x, expect: EINVAL}
  - {op: replace, device: nic0, hwpt: x, expect: EINVAL}
  - {op: replace, device: nic0, hwpt: a, expect: EINVAL}
  - {op: attach, device: nic0, hwpt: a, auto_hwpt: h}
  - {op: detach, device: nic0}
  - {op: attach, device: nic0, hwpt: h, expect: ENOENT}
  - {op: access_destroy, access: x}
)");
  CHECK(checked_run(rig) == 0);
  CHECK(rig.host->hwpts().empty());
  CHECK(rig.host->ioases().at("a")->auto_hwpts.empty());
}

TEST_CASE("TEST_F(iommufd_ioas, access_domain_destory): the auto domain goes under a pin") {
  // Huge-page backed buffer mapped through the fixture's mock domain (an automatic
  // one), one page pinned by an access; destroying the device destroys the domain,
  // which unpins everything but the access's page across the huge page; then unpin.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: attach, device: nic0, hwpt: a, auto_hwpt: d}
  - {op: ioas_map, ioas: a, iova: 0x1000000, user: huge, length: 4MiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x1001000, length: 4KiB}
  - {op: detach, device: nic0}
  - {op: destroy, object: d, expect: ENOENT}
  - {op: access_unpin, access: x, iova: 0x1001000, length: 4KiB}
  - {op: access_destroy, access: x}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all}
)") == 0);
}
