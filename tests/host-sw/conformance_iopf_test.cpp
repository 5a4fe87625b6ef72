// The kernel's I/O page fault selftests in our host operations: fault objects
// (IOMMU_FAULT_QUEUE_ALLOC), iopf-capable HWPTs (IOMMU_HWPT_FAULT_ID_VALID), the
// selftest's TRIGGER_IOPF, read and write on the fault fd, and what a detach or
// replace does to the faults still pending (eventq.c, hw_pagetable.c, device.c and the
// IOMMU core's io-pgfault.c). Each case names the selftest it mirrors or the rule.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

struct Device {
  bool pri = true, vf = false;
};

// Runs `host_yaml` (after kMem) with invariants checked after every operation, on a
// unit that nests, nic0 as `dev` says; returns the failed steps and, in `responses`,
// every page response nic0 got.
int64_t iopf_failures(const std::string& host_yaml, Device dev = {},
                      std::vector<PageResponse>* responses = nullptr) {
  HostRig rig(std::string(kMem) + host_yaml, nesting_unit(), [dev](HardwareInfo& hw) {
    hw.devices[0].pri = dev.pri;
    hw.devices[0].vf = dev.vf;
  });
  const int64_t failed = checked_run(rig);
  if (responses) *responses = rig.host->page_responses();
  return failed;
}

// The selftests' fixture: an IOAS with a HWPT nic0 is attached to, a nesting parent,
// two nested HWPTs on it and a fault object.
const char* kFixture = R"(
setup:
  - {op: ioas_alloc, id: ioas}
  - {op: ioas_map, ioas: ioas, iova: 0x100000, user: guest, length: 1MiB}
  - {op: hwpt_alloc, id: hwpt, ioas: ioas, pasid: true}
  - {op: attach, device: nic0, hwpt: hwpt}
  - {op: hwpt_alloc, id: parent, ioas: ioas, nest_parent: true, pasid: true}
  - {op: hwpt_alloc_nested, id: n0, parent: parent, device: nic0, s1_root: 0x100000,
     flags: [pasid]}
  - {op: hwpt_alloc_nested, id: n1, parent: parent, device: nic0, s1_root: 0x200000,
     flags: [pasid]}
  - {op: fault_queue_alloc, id: f}
)";

}  // namespace

TEST_CASE("TEST_F(iommufd_ioas, alloc_hwpt_nested): the iopf-capable nested HWPT") {
  std::vector<PageResponse> resp;
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: hwpt_alloc_nested, id: bad, parent: parent, device: nic0, s1_root: 0x300000,
     fault_id: 0xffffffff, expect: ENOENT}
  - {op: hwpt_alloc_nested, id: iopf, parent: parent, device: nic0, s1_root: 0x300000, fault: f}
  - {op: replace, device: nic0, hwpt: n0}
  - {op: replace, device: nic0, hwpt: n1}
  - {op: replace, device: nic0, hwpt: parent}
  - {op: replace, device: nic0, hwpt: iopf}
  - {op: hwpt_destroy, hwpt: iopf, expect: EBUSY}
  - {op: trigger_iopf, device: nic0, grpid: 2, addr: 0xdeadbeaf, expect_taken: true}
  - {op: fault_read, fault: f, expect_bytes: 40,
     expect_faults: [{device: nic0, flags: [last_page], pasid: 0, grpid: 2, perm: [read, write],
                      addr: 0xdeadbeaf, length: 0, cookie: 1}]}
  - {op: fault_respond, fault: f, responses: [{cookie: 1, code: success}], expect_bytes: 8}
  - {op: replace, device: nic0, hwpt: parent}
  - {op: hwpt_destroy, hwpt: iopf}
  - {op: destroy, object: f, expect: EBUSY}
  - {op: fault_close, fault: f}
  - {op: destroy, object: f}
)",
                      {}, &resp) == 0);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].device == "nic0");
  CHECK(resp[0].grpid == 2);
  CHECK(resp[0].code == kPageRespSuccess);
  CHECK_FALSE(resp[0].pasid_valid);
}

TEST_CASE("TEST_F(iommufd_viommu, viommu_alloc_nested_iopf)") {
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: viommu_alloc, id: v, hwpt: parent, device: nic0}
  - {op: hwpt_alloc_nested, id: bad, parent: v, device: nic0, s1_root: 0x300000,
     fault_id: 0xffffffff, expect: ENOENT}
  - {op: hwpt_alloc_nested, id: bad, parent: v, device: nic0, s1_root: 0x300000, fault: f,
     extra_flags: 0x80000000, expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: iopf, parent: v, device: nic0, s1_root: 0x300000, fault: f}
  - {op: vdevice_alloc, id: vdev, viommu: v, device: nic0, virt_id: 0x99}
  - {op: replace, device: nic0, hwpt: iopf}
  - {op: hwpt_destroy, hwpt: iopf, expect: EBUSY}
  - {op: trigger_iopf, device: nic0, grpid: 2, addr: 0xdeadbeaf}
  - {op: fault_read, fault: f, expect_faults: [{grpid: 2, addr: 0xdeadbeaf, cookie: 1}]}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}]}
  - {op: replace, device: nic0, hwpt: hwpt}
  - {op: hwpt_destroy, hwpt: iopf}
  - {op: fault_close, fault: f}
  - {op: destroy, object: f}
  - {op: destroy, object: vdev}
  - {op: destroy, object: v}
)") == 0);
}

TEST_CASE("TEST_F(iommufd_device_pasid, pasid_attach): PASID 2048 on the iopf-capable HWPT") {
  std::vector<PageResponse> resp;
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: hwpt_alloc_nested, id: iopf, parent: parent, device: nic0, s1_root: 0x300000,
     flags: [pasid], fault: f}
  - {op: attach, device: nic0, pasid: 2048, hwpt: iopf}
  - {op: trigger_iopf, device: nic0, pasid: 2048, grpid: 3, addr: 0x5000, perm: [write]}
  - {op: fault_read, fault: f,
     expect_faults: [{flags: [pasid_valid, last_page], pasid: 2048, grpid: 3, perm: [write],
                      addr: 0x5000, cookie: 1}]}
  - {op: fault_respond, fault: f, responses: [{cookie: 1, code: invalid}]}
  - {op: detach, device: nic0, pasid: 2048}
  - {op: hwpt_destroy, hwpt: iopf}
)",
                      {}, &resp) == 0);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].pasid == 2048);
  CHECK(resp[0].pasid_valid);
  CHECK(resp[0].code == kPageRespInvalid);
}

TEST_CASE("fault_read (iommufd_fault_fops_read): whole groups that fit, ESPIPE, cookies") {
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f}
  - {op: replace, device: nic0, hwpt: iopf}
  - {op: fault_read, fault: f, expect_bytes: 0}
  # a group of three requests (two before its last), then a group of one
  - {op: trigger_iopf, device: nic0, grpid: 7, addr: 0x1000, last: false}
  - {op: trigger_iopf, device: nic0, grpid: 8, addr: 0x9000}
  - {op: trigger_iopf, device: nic0, grpid: 7, addr: 0x2000, last: false, perm: [read]}
  - {op: trigger_iopf, device: nic0, grpid: 7, addr: 0x3000}
  - {op: fault_read, fault: f, count: 50, expect: ESPIPE}
  # the first group in the queue (grpid 8, one request) is read; grpid 7 needs 120 bytes
  - {op: fault_read, fault: f, count: 80, expect_bytes: 40,
     expect_faults: [{grpid: 8, addr: 0x9000, cookie: 1}]}
  - {op: fault_read, fault: f, count: 80, expect_bytes: 0, expect_faults: []}
  - {op: fault_read, fault: f, count: 0, expect_bytes: 0}
  - {op: fault_read, fault: f, count: 400, expect_bytes: 120,
     expect_faults: [{grpid: 7, addr: 0x1000, flags: [], cookie: 2},
                     {grpid: 7, addr: 0x2000, flags: [], perm: [read], cookie: 2},
                     {grpid: 7, addr: 0x3000, flags: [last_page], cookie: 2}]}
  # a cookie answered is free again: the lowest free one is taken
  - {op: fault_respond, fault: f, responses: [{cookie: 1}]}
  - {op: trigger_iopf, device: nic0, grpid: 9, addr: 0x4000}
  - {op: fault_read, fault: f, count: 400, expect_faults: [{grpid: 9, cookie: 1}]}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}, {cookie: 2}], expect_bytes: 16}
  - {op: fault_close, fault: f}
  - {op: fault_read, fault: f, expect: EBADF}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}], expect: EBADF}
  - {op: fault_close, fault: f, expect: EBADF}
)") == 0);
}

TEST_CASE("fault_respond (iommufd_fault_fops_write): ESPIPE, bad code, unknown cookie, partial") {
  std::vector<PageResponse> resp;
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f}
  - {op: replace, device: nic0, hwpt: iopf}
  - {op: trigger_iopf, device: nic0, grpid: 1, addr: 0x1000}
  - {op: trigger_iopf, device: nic0, grpid: 2, addr: 0x2000}
  - {op: fault_read, fault: f, count: 80, expect_bytes: 80}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}], count: 7, expect: ESPIPE}
  - {op: fault_respond, fault: f, responses: [{cookie: 1, code: 2}], expect: EINVAL}
  - {op: fault_respond, fault: f, responses: [{cookie: 9}], expect: EINVAL}
  # one written, then a refusal: the bytes written are returned, the rest not looked at
  - {op: fault_respond, fault: f, responses: [{cookie: 1}, {cookie: 9}, {cookie: 2}],
     expect_bytes: 8}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}], expect: EINVAL}
  # a short write answers only what it holds
  - {op: fault_respond, fault: f, responses: [{cookie: 2, code: invalid}, {cookie: 3}],
     count: 8, expect_bytes: 8}
  - {op: replace, device: nic0, hwpt: hwpt}
)",
                      {}, &resp) == 0);
  REQUIRE(resp.size() == 2);
  CHECK((resp[0].grpid == 1 && resp[0].code == kPageRespSuccess));
  CHECK((resp[1].grpid == 2 && resp[1].code == kPageRespInvalid));
}

TEST_CASE("iommufd_auto_response_faults: detach and replace answer pending faults INVALID") {
  std::vector<PageResponse> resp;
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f, pasid: true}
  - {op: hwpt_alloc, id: iopf2, ioas: ioas, fault: f, pasid: true}
  - {op: attach, device: nic0, pasid: 9, hwpt: iopf}
  - {op: replace, device: nic0, hwpt: iopf}
  # RID: one group read (awaiting its response), one delivered; PASID 9: one delivered
  - {op: trigger_iopf, device: nic0, grpid: 1, addr: 0x1000}
  - {op: fault_read, fault: f, expect_faults: [{grpid: 1, cookie: 1}]}
  - {op: trigger_iopf, device: nic0, grpid: 2, addr: 0x2000}
  - {op: trigger_iopf, device: nic0, pasid: 9, grpid: 3, addr: 0x3000}
  # a partial group of the RID waits; the replace to another iopf HWPT keeps IOPF on
  - {op: trigger_iopf, device: nic0, grpid: 4, addr: 0x4000, last: false}
  - {op: replace, device: nic0, hwpt: iopf2}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}], expect: EINVAL}
  # only PASID 9's group is left
  - {op: fault_read, fault: f, count: 400, expect_faults: [{pasid: 9, grpid: 3, cookie: 1}]}
  - {op: detach, device: nic0, pasid: 9}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}], expect: EINVAL}
  # grpid 4's first request still waits: its last completes the group on iopf2
  - {op: trigger_iopf, device: nic0, grpid: 4, addr: 0x5000}
  - {op: fault_read, fault: f, count: 400, expect_bytes: 80,
     expect_faults: [{grpid: 4, addr: 0x4000, cookie: 1}, {grpid: 4, addr: 0x5000, cookie: 1}]}
  - {op: trigger_iopf, device: nic0, grpid: 5, addr: 0x6000, last: false}
  # off the last iopf-capable HWPT: answered, and IOPF disabled (the partial group goes)
  - {op: replace, device: nic0, hwpt: hwpt}
  - {op: trigger_iopf, device: nic0, grpid: 5, addr: 0x7000, expect_taken: false}
  - {op: fault_read, fault: f, count: 400, expect_bytes: 0}
)",
                      {}, &resp) == 0);
  // grpid 1 (awaiting) and 2 (delivered) at the replace, 3 at the detach, 4 at the
  // replace back, then the refused request of grpid 5: all INVALID.
  REQUIRE(resp.size() == 5);
  for (const PageResponse& r : resp) CHECK(r.code == kPageRespInvalid);
  CHECK(resp[0].grpid == 2);  // the deliver list is answered first, then those read
  CHECK(resp[1].grpid == 1);
  CHECK((resp[2].grpid == 3 && resp[2].pasid == 9));
  CHECK(resp[3].grpid == 4);
  CHECK(resp[4].grpid == 5);
}

TEST_CASE("iopf attach rules: ENODEV without PRI, EINVAL for a VF with PRI (device.c)") {
  const std::string ops = std::string(kFixture) + R"(
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f, pasid: true}
  - {op: replace, device: nic0, hwpt: iopf, expect: ERR}
  - {op: attach, device: nic0, pasid: 5, hwpt: iopf, expect: ERR}
  - {op: hwpt_alloc, id: plain, ioas: ioas, pasid: true}
  - {op: replace, device: nic0, hwpt: plain}
)";
  auto with = [&ops](const char* err) {
    std::string s = ops;
    for (size_t at; (at = s.find("ERR")) != std::string::npos;) s.replace(at, 3, err);
    return s;
  };
  CHECK(iopf_failures(with("ENODEV"), Device{false, false}) == 0);
  CHECK(iopf_failures(with("EINVAL"), Device{true, true}) == 0);
  CHECK(iopf_failures(with("OK"), Device{true, false}) == 0);
}

TEST_CASE("iommu_report_device_fault: requests without a fault handler are answered INVALID") {
  std::vector<PageResponse> resp;
  CHECK(iopf_failures(std::string(kFixture) + R"(
  # the RID on a HWPT without a fault object: refused
  - {op: trigger_iopf, device: nic0, grpid: 1, addr: 0x1000, expect_taken: false}
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f, pasid: true}
  - {op: replace, device: nic0, hwpt: iopf}
  # PASID 1 is not attached: VT-d has no user-managed PASID table to fall back on
  - {op: trigger_iopf, device: nic0, pasid: 1, grpid: 2, addr: 0x2000, expect_taken: false}
  - {op: trigger_iopf, device: nic0, grpid: 3, addr: 0x3000, expect_taken: true}
  - {op: fault_read, fault: f, expect_faults: [{grpid: 3}]}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}]}
  - {op: replace, device: nic0, hwpt: hwpt}
)",
                      {}, &resp) == 0);
  REQUIRE(resp.size() == 3);
  CHECK((resp[0].grpid == 1 && resp[0].code == kPageRespInvalid));
  CHECK((resp[1].grpid == 2 && resp[1].pasid_valid && resp[1].code == kPageRespInvalid));
  CHECK((resp[2].grpid == 3 && resp[2].code == kPageRespSuccess));
}

TEST_CASE("fault objects as IDs: wrong types, stale IDs, EBUSY while a HWPT holds one") {
  CHECK(iopf_failures(std::string(kFixture) + R"(
  - {op: fault_queue_alloc, id: g, flags: 1, expect: EOPNOTSUPP}
  # a fault named by an object of another type, ID 0 and a stale ID: ENOENT, undone
  - {op: hwpt_alloc, id: x1, ioas: ioas, fault: n0, expect: ENOENT}
  - {op: hwpt_alloc, id: x2, ioas: ioas, fault_id: 0, expect: ENOENT}
  - {op: fault_queue_alloc, id: gone}
  - {op: fault_close, fault: gone}
  - {op: destroy, object: gone}
  - {op: hwpt_alloc, id: x3, ioas: ioas, fault: gone, expect: ENOENT}
  - {op: hwpt_alloc, id: iopf, ioas: ioas, fault: f}
  - {op: fault_close, fault: f}
  - {op: destroy, object: f, expect: EBUSY}
  # a fault object is no pt_id: attach to it is EINVAL
  - {op: attach, device: nic0, pasid: 3, hwpt: f, expect: EINVAL}
  - {op: hwpt_invalidate, hwpt: f, requests: [], expect: EINVAL}
  - {op: hwpt_destroy, hwpt: iopf}
  - {op: destroy, object: f}
  - {op: destroy, object: f, expect: ENOENT}
)") == 0);
}
