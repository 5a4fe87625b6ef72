// The kernel's PASID attach selftest, TEST_F(iommufd_device_pasid, pasid_attach), in
// our host operations: PASIDs 1024 and 2048 (past one PASID table), the
// PASID-compatible HWPT flag (IOMMU_HWPT_ALLOC_PASID) and its rules, and the device's
// PASID width (iommu_attach_device_pasid's max_pasids check); each case names the test.
#include <doctest/doctest.h>

#include "iommu/context_entry.h"
#include "iommu/vtd_regs.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// Runs `host_yaml` (after kMem) with invariants checked after every operation, on a
// unit that nests, nic0 with a PASID width of `width` bits; returns the failed steps.
int64_t pasid_failures(const std::string& host_yaml, unsigned width = 20) {
  HostRig rig(std::string(kMem) + host_yaml, nesting_unit(),
              [width](HardwareInfo& hw) { hw.devices[0].pasid_width = width; });
  return checked_run(rig);
}

// The selftest's fixture: an IOAS whose HWPT (PASID-compatible) the device's requests
// without a PASID use, and a nesting parent with two nested HWPTs, all PASID-compatible.
const char* kFixture = R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: hwpt, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, hwpt: hwpt}
  - {op: hwpt_alloc, id: parent, ioas: ioas, nest_parent: true, pasid: true}
  - {op: hwpt_alloc_nested, id: n0, parent: parent, device: nic0, s1_root: 0x100000,
     flags: [pasid]}
  - {op: hwpt_alloc_nested, id: n1, parent: parent, device: nic0, s1_root: 0x200000,
     flags: [pasid]}
)";

}  // namespace

TEST_CASE("TEST_F(iommufd_device_pasid, pasid_attach): PASIDs 100, 200, 1024 and 2048") {
  CHECK(pasid_failures(std::string(kFixture) + R"(
  - {op: attach, device: nic0, pasid: 100, hwpt: hwpt}
  - {op: attach, device: nic0, pasid: 100, hwpt: n0, expect: EBUSY}
  - {op: detach, device: nic0, pasid: 100}
  - {op: attach, device: nic0, pasid: 100, hwpt: n0}
  - {op: detach, device: nic0, pasid: 100}
  - {op: replace, device: nic0, pasid: 200, hwpt: parent, expect: EINVAL}
  - {op: attach, device: nic0, pasid: 200, hwpt: parent}
  - {op: replace, device: nic0, pasid: 200, hwpt: hwpt}
  - {op: replace, device: nic0, pasid: 200, hwpt: n0}
  - {op: replace, device: nic0, pasid: 200, hwpt: n1}
  - {op: detach, device: nic0, pasid: 200}
  - {op: attach, device: nic0, pasid: 1024, hwpt: parent}
  - {op: detach, device: nic0, pasid: 1024}
  - {op: attach, device: nic0, pasid: 2048, hwpt: n0}
  - {op: replace, device: nic0, pasid: 2048, hwpt: parent}
  - {op: detach, device: nic0, pasid: 2048}
  # a HWPT allocated without IOMMU_HWPT_ALLOC_PASID takes no PASID; nothing attached
  - {op: hwpt_alloc, id: no_pasid_compat, ioas: ioas, nest_parent: true}
  - {op: attach, device: nic0, pasid: 2048, hwpt: no_pasid_compat, expect: EINVAL}
  - {op: replace, device: nic0, pasid: 2048, hwpt: parent, expect: EINVAL}
  - {op: hwpt_destroy, hwpt: no_pasid_compat}
  - {op: hwpt_destroy, hwpt: n0}
  - {op: hwpt_destroy, hwpt: n1}
  - {op: hwpt_destroy, hwpt: parent}
)") == 0);
}

TEST_CASE("TEST_F(iommufd_device_pasid, pasid_attach): PASIDs 1024 and 2048 translate") {
  // Each PASID through its own HWPT, past the first PASID table (64 PASIDs each): the
  // same IOVA lands on the page its IOAS maps, and after a replace on the other one.
  auto run = [](const char* more) {
    auto rig = std::make_unique<HostRig>(std::string(kMem) + R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: ha, ioas: a, pasid: true}
  - {op: hwpt_alloc, id: hb, ioas: b, pasid: true}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: b, iova: 0x100000, user: guest, offset: 1MiB, length: 64KiB}
  - {op: attach, device: nic0, pasid: 1024, hwpt: ha}
  - {op: attach, device: nic0, pasid: 2048, hwpt: hb}
)" + more);
    rig->run();
    CHECK(rig->stat("host.steps_failed") == 0);
    return rig;
  };
  auto pa = [](HostRig& rig, uint32_t pasid) {
    Translation t = rig.iommu->translate(0x0100, pasid, 0x100040, 64, true, rig.d.now());
    return t.ok ? t.pa : 0;
  };
  auto rig = run("");
  const uint64_t a = pa(*rig, 1024), b = pa(*rig, 2048);
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);                   // the guest's pages 1 MiB apart
  CHECK(pa(*rig, 1025) == 0);      // no entry
  CHECK(pa(*rig, kNoPasid) == 0);  // the RID is attached to nothing
  auto replaced = run("  - {op: replace, device: nic0, pasid: 1024, hwpt: hb}\n");
  CHECK(pa(*replaced, 1024) == pa(*replaced, 2048));
  CHECK(pa(*replaced, 1024) != 0);
}

TEST_CASE("iommufd_hwpt_pasid_compat: the device's requests without a PASID and its PASIDs") {
  // A PASID is EINVAL while the RID is on a HWPT that is not PASID-compatible; the RID
  // takes such a HWPT only while no PASID is attached (attach and replace alike).
  CHECK(pasid_failures(R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: plain, ioas: ioas}
  - {op: hwpt_alloc, id: compat, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, hwpt: plain}
  - {op: attach, device: nic0, pasid: 1024, hwpt: compat, expect: EINVAL}
  - {op: replace, device: nic0, hwpt: compat}
  - {op: attach, device: nic0, pasid: 1024, hwpt: compat}
  - {op: replace, device: nic0, hwpt: plain, expect: EINVAL}
  - {op: detach, device: nic0}
  - {op: attach, device: nic0, hwpt: plain, expect: EINVAL}
  - {op: detach, device: nic0, pasid: 1024}
  - {op: attach, device: nic0, hwpt: plain}
  - {op: ioas_iova_ranges, ioas: ioas,
     expect_ranges: ["0-0xfedfffff", "0xfef00000-0xffffffffffff"]}
)") == 0);
}

TEST_CASE("iommu_attach_device_pasid: a PASID at or past the device's max_pasids is EINVAL") {
  // PASID width 10: max_pasids 1024, so 1023 attaches and 1024 does not. A PASID
  // reserves no MSI window, so the IOAS's ranges stay whole.
  CHECK(pasid_failures(R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: h, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, pasid: 1023, hwpt: h}
  - {op: attach, device: nic0, pasid: 1024, hwpt: h, expect: EINVAL}
  - {op: attach, device: nic0, pasid: 2048, hwpt: h, expect: EINVAL}
  - {op: ioas_iova_ranges, ioas: ioas, expect_ranges: ["0-0xffffffffffff"]}
)",
                       10) == 0);
  // Width 0: no PASID capability, so no PASID attaches; the RID still does.
  CHECK(pasid_failures(R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: h, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, pasid: 1, hwpt: h, expect: EINVAL}
  - {op: attach, device: nic0, hwpt: h}
)",
                       0) == 0);
  // The expectations can fail: width 20 takes PASID 2048.
  CHECK(pasid_failures(R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: h, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, pasid: 2048, hwpt: h, expect: EINVAL}
)") == 1);
}

TEST_CASE("the PASID directory is sized by the device's PASID width (at least a page)") {
  // The context entry the driver writes says how many directory entries there are.
  auto directory_entries = [](unsigned width) {
    HostRig rig(std::string(kMem) + R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: hwpt_alloc, id: h, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, pasid: 1, hwpt: h}
)",
                {}, [width](HardwareInfo& hw) { hw.devices[0].pasid_width = width; });
    rig.run();
    CHECK(rig.stat("host.steps_failed") == 0);
    const uint64_t rt = rig.iommu->mmio_read(vtd::RTADDR, 8, 0) & ~0xfffull;
    const uint64_t ra = root_entry_addr(rt, 0x0100);
    const RootEntry root = RootEntry::decode(rig.mem.read64(ra), rig.mem.read64(ra + 8));
    const uint64_t ca = context_entry_addr(root.context_table, 0x0100);
    const ContextEntry c = ContextEntry::decode(rig.mem.read64(ca), rig.mem.read64(ca + 8));
    CHECK(c.pasid);
    return c.pasid_dir_entries();
  };
  CHECK(directory_entries(20) == 16384);  // 2^20 PASIDs, 64 a table: 128 KiB
  CHECK(directory_entries(16) == 1024);
  CHECK(directory_entries(15) == 512);  // one page
  CHECK(directory_entries(5) == 512);
}

TEST_CASE("TEST_F(iommufd_ioas, get_hw_info): max_pasid_log2 is the device's PASID width") {
  // The selftest's mock device without PASIDs reports 0, the PASID-capable one 20.
  const char* yaml = R"(
setup:
  - {op: get_hw_info, device: nic0, expect_max_pasid_log2: 20}
)";
  CHECK(pasid_failures(yaml) == 0);
  CHECK(pasid_failures(yaml, 0) == 1);  // the expectation can fail
  CHECK(pasid_failures(R"(
setup:
  - {op: get_hw_info, device: nic0, expect_max_pasid_log2: 0}
)",
                       0) == 0);
}
