// The iommufd dispatcher's struct-size rules (iommufd_fops_ioctl), as the kernel's
// selftests check them: TEST_F(iommufd, cmd_length) and TEST_F(iommufd, cmd_ex_fail)
// (tools/testing/selftests/iommu/iommufd.c). Every iommufd ioctl's struct size and
// minimum are written here as the uAPI header gives them, independently of the table
// the operations carry (host-sw/iommufd/ucmd_size.h), and both must agree.
#include <doctest/doctest.h>

#include <map>

#include "host-sw/ops/op_registry.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// Objects every ioctl below can name: an IOAS holding a file's pages (so the context
// has no user memory and IOAS_CHANGE_PROCESS succeeds), a dirty-tracking nesting
// parent, a vIOMMU and a nested HWPT on it, an IOAS that is gone.
const char* kObjects = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: memfd_create, file: mf, size: 4MiB}
  - {op: ioas_alloc, id: a}
  - {op: ioas_map_file, ioas: a, file: mf, iova: 0x100000, length: 1MiB}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true, dirty_tracking: true}
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: hwpt_alloc_nested, id: s1, parent: v, device: nic0, s1_root: 0x100000}
  - {op: ioas_alloc, id: gone}
  - {op: ioas_destroy, ioas: gone}
)";

int64_t run_failures(const std::string& yaml, int64_t* points = nullptr) {
  HostRig rig(yaml, nesting_unit());
  const int64_t failed = checked_run(rig);
  if (points)
    *points = rig.stats.get("host.fail_nth.points") ? rig.stat("host.fail_nth.points") : 0;
  return failed;
}

// One iommufd ioctl as cmd_length exercises it: its struct's size and minimum (from
// include/uapi/linux/iommufd.h and main.c's IOCTL_OP table), the operation with its
// arguments ("@" becomes a suffix unique to each call, for the IDs it creates), the
// answer at the full size, and a step that undoes a success before the call is made
// again (empty: the answer repeats by itself).
struct Ioctl {
  const char* uapi;  // the selftest's TEST_LENGTH(struct, ioctl, last field)
  uint32_t size, min_size;
  std::string op, expect, undo;
};

const std::vector<Ioctl>& ioctls() {
  static const std::vector<Ioctl> v = {
      {"iommu_ioas_change_process, IOMMU_IOAS_CHANGE_PROCESS, __reserved", 8, 8,
       "op: ioas_change_process", "OK", ""},
      {"iommu_destroy, IOMMU_DESTROY, id", 8, 8, "op: destroy, object_id: 0", "ENOENT", ""},
      {"iommu_hw_info, IOMMU_GET_HW_INFO, __reserved", 40, 32,
       "op: get_hw_info, device: nic0, expect_capabilities: [dirty_tracking]", "OK", ""},
      {"iommu_hwpt_alloc, IOMMU_HWPT_ALLOC, __reserved", 48, 24, "op: hwpt_alloc, id: h@, ioas: a",
       "OK", ""},
      {"iommu_hwpt_invalidate, IOMMU_HWPT_INVALIDATE, __reserved", 32, 32,
       "op: hwpt_invalidate, hwpt: s1, requests: [{addr: 0x1000, npages: 1}], expect_done: 1", "OK",
       ""},
      {"iommu_ioas_alloc, IOMMU_IOAS_ALLOC, out_ioas_id", 12, 12, "op: ioas_alloc, id: i@", "OK",
       ""},
      {"iommu_ioas_iova_ranges, IOMMU_IOAS_IOVA_RANGES, out_iova_alignment", 32, 32,
       "op: ioas_iova_ranges, ioas: a", "OK", ""},
      {"iommu_ioas_allow_iovas, IOMMU_IOAS_ALLOW_IOVAS, allowed_iovas", 24, 24,
       "op: ioas_allow_iovas, ioas: a, ranges: [\"0x100000-0x3fffffff\"]", "OK", ""},
      {"iommu_ioas_map, IOMMU_IOAS_MAP, iova", 40, 40,
       "op: ioas_map, ioas: a, user: guest, length: 64KiB", "OK", ""},
      {"iommu_ioas_copy, IOMMU_IOAS_COPY, src_iova", 40, 40,
       "op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, length: 1MiB", "OK", ""},
      {"iommu_ioas_unmap, IOMMU_IOAS_UNMAP, length", 24, 24,
       "op: ioas_unmap, ioas: a, iova: 0x80000000, length: 4KiB", "ENOENT", ""},
      {"iommu_option, IOMMU_OPTION, val64", 24, 24,
       "op: ioas_option, option: huge_pages, ioas: a, expect_value: 1", "OK", ""},
      {"iommu_vfio_ioas, IOMMU_VFIO_IOAS, __reserved", 12, 12, "op: vfio_ioas, cmd: get", "ENODEV",
       ""},
      {"iommu_ioas_map_file, IOMMU_IOAS_MAP_FILE, iova", 40, 40,
       "op: ioas_map_file, ioas: a, file: mf, start: 1MiB, length: 64KiB", "OK", ""},
      {"iommu_viommu_alloc, IOMMU_VIOMMU_ALLOC, out_viommu_id", 40, 24,
       "op: viommu_alloc, id: v@, hwpt: s2, device: nic0", "OK", ""},
      {"iommu_vdevice_alloc, IOMMU_VDEVICE_ALLOC, virt_id", 24, 24,
       "op: vdevice_alloc, id: d@, viommu: v, device: nic0, virt_id: 0x10", "OK",
       "op: destroy, object: d@"},
      {"iommu_hwpt_set_dirty_tracking, IOMMU_HWPT_SET_DIRTY_TRACKING, __reserved", 16, 16,
       "op: set_dirty_tracking, hwpt: s2, enable: true", "OK", ""},
      {"iommu_hwpt_get_dirty_bitmap, IOMMU_HWPT_GET_DIRTY_BITMAP, data", 48, 48,
       "op: get_dirty_bitmap, hwpt: s2, iova: 0x100000, length: 1MiB", "OK", ""},
      {"iommu_fault_alloc, IOMMU_FAULT_QUEUE_ALLOC, out_fault_fd", 16, 16,
       "op: fault_queue_alloc, id: f@", "OK", ""},
      {"iommu_veventq_alloc, IOMMU_VEVENTQ_ALLOC, out_veventq_fd", 32, 28,
       "op: veventq_alloc, id: q@, viommu: v, type: selftest, depth: 2", "OK",
       "op: veventq_close, veventq: q@}\n  - {op: destroy, object: q@"},
      {"iommu_hw_queue_alloc, IOMMU_HW_QUEUE_ALLOC, length", 40, 40,
       "op: hw_queue_alloc, id: w@, viommu: v, type: selftest, index: 0, iova: 0x100000, "
       "length: 0x1000",
       "OK", "op: destroy, object: w@"},
  };
  return v;
}

std::string with_id(std::string s, const std::string& suffix) {
  for (size_t at; (at = s.find('@')) != std::string::npos;) s.replace(at, 1, suffix);
  return s;
}

// The selftest's four calls: size min - 1 with a non-zero byte after the struct
// (EINVAL), size + 1 with that byte (E2BIG), the exact size, size + 1 with a zero byte
// (the exact size's answer). `extra` is appended to every call.
std::string cmd_length_steps(const Ioctl& c, const std::string& extra = "") {
  auto step = [&](const std::string& id, const std::string& keys, const std::string& expect) {
    return "  - {" + with_id(c.op, id) + keys + extra + ", expect: " + expect + "}\n";
  };
  const std::string big = ", size: " + std::to_string(c.size + 1);
  std::string s = step("s", ", size: " + std::to_string(c.min_size - 1), "EINVAL");
  s += step("b", big + ", trailing: nonzero", "E2BIG");
  s += step("f", "", c.expect);
  if (!c.undo.empty()) s += "  - {" + with_id(c.undo, "f") + "}\n";
  s += step("z", big + ", trailing: zero", c.expect);
  return s;
}

}  // namespace

TEST_CASE(
    "TEST_F(iommufd, cmd_length): each ioctl's struct, short EINVAL, long E2BIG unless zero") {
  std::string yaml = kObjects;
  for (const Ioctl& c : ioctls()) yaml += cmd_length_steps(c);
  INFO(yaml);
  CHECK(run_failures(yaml) == 0);
}

TEST_CASE("cmd_length's sizes are the operations' own, and every iommufd ioctl is in it") {
  std::map<std::string, std::pair<uint32_t, uint32_t>> want;
  for (const Ioctl& c : ioctls()) {
    const std::string name = c.op.substr(4, c.op.find(',') - 4);
    want[name] = {c.size, c.min_size};
  }
  want["ioas_destroy"] = want["hwpt_destroy"] = want["destroy"];  // IOMMU_DESTROY too
  want["hwpt_alloc_nested"] = want["hwpt_alloc"];                 // IOMMU_HWPT_ALLOC with data
  for (const HostOpEntry* e : host_operations()) {
    INFO(e->name);
    auto it = want.find(std::string(e->name));
    if (it == want.end()) {
      CHECK_FALSE(e->ucmd.is_ioctl());  // a new ioctl must join the table above
      continue;
    }
    CHECK(e->ucmd.size == it->second.first);
    CHECK(e->ucmd.min_size == it->second.second);
  }
}

TEST_CASE("cmd_length: a wrong size fails before the call allocates (no failure point reached)") {
  // Under fault injection the short and the long-with-a-byte calls reach no failure
  // point: the size is checked before anything is allocated. The same calls at their
  // size do reach failure points (the control).
  std::string bad = kObjects, good = kObjects;
  for (const Ioctl& c : ioctls()) {
    const std::string op = with_id(c.op, "n") + ", fail_nth: true";
    bad += "  - {" + op + ", size: " + std::to_string(c.min_size - 1) + ", expect: EINVAL}\n";
    bad += "  - {" + op + ", size: " + std::to_string(c.size + 1) +
           ", trailing: nonzero, expect: E2BIG}\n";
  }
  good += "  - {op: hwpt_alloc, id: hn, ioas: a, fail_nth: true, size: 49}\n";
  good += "  - {op: ioas_map, ioas: a, user: guest, length: 64KiB, fail_nth: true, size: 41}\n";
  int64_t points = -1;
  CHECK(run_failures(bad, &points) == 0);
  CHECK(points == 0);
  CHECK(run_failures(good, &points) == 0);
  CHECK(points > 0);
}

TEST_CASE("TEST_F(iommufd, cmd_ex_fail): a longer IOMMU_DESTROY") {
  CHECK(run_failures(std::string(kObjects) + R"(
  - {op: destroy, object_id: 0, size: 16, expect: ENOENT}
  - {op: destroy, object_id: 0, size: 16, trailing: nonzero, expect: E2BIG}
  - {op: destroy, object_id: 0, size: 8, expect: ENOENT}
  - {op: destroy, object_id: 0, size: 7, expect: EINVAL}
  - {op: ioas_alloc, id: x}
  - {op: destroy, object: x, size: 16, trailing: nonzero, expect: E2BIG}
  - {op: destroy, object: x, size: 7, expect: EINVAL}
  - {op: ioas_iova_ranges, ioas: x}
  - {op: destroy, object: x, size: 4096}
  - {op: ioas_iova_ranges, ioas: x, expect: ENOENT}
)") == 0);
}

TEST_CASE("TEST_F(iommufd, cmd_fail): an ioctl number no command answers is ENOTTY") {
  // The selftest's IOMMUFD_CMD_BASE - 1 (0x7f), a number past the table, one below the
  // VFIO compat numbers and the table's first; none reaches a failure point.
  int64_t points = -1;
  CHECK(run_failures(std::string(kObjects) + R"(
  - {op: ioctl, nr: 0x7f, expect: ENOTTY}
  - {op: ioctl, nr: 0x95, expect: ENOTTY, fail_nth: true}
  - {op: ioctl, nr: 0x63, expect: ENOTTY}
  - {op: ioctl, nr: 0, expect: ENOTTY}
)",
                     &points) == 0);
  CHECK(points == 0);
  // A number with a command is that command's operation.
  auto error = [](const std::string& op) {
    try {
      HostRig rig("memory: []\nsetup:\n  - " + op + "\n", nesting_unit());
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error("{op: ioctl, nr: 0x80}")
            .find("0x80 is IOMMU_DESTROY: use ioas_destroy, "
                  "hwpt_destroy, destroy") != std::string::npos);
  CHECK(error("{op: ioctl, nr: 0x93}").find("0x93 is IOMMU_VEVENTQ_ALLOC") != std::string::npos);
  CHECK(error("{op: ioctl, nr: 0x71}").find("0x71 is VFIO_IOMMU_MAP_DMA: use vfio_map_dma") !=
        std::string::npos);
  CHECK(error("{op: ioctl, nr: 256}").find("nr: expected an ioctl number from 0 to 0xff") !=
        std::string::npos);
}

TEST_CASE("a struct between its minimum and its size: the fields past the cut read zero") {
  // IOMMU_HWPT_ALLOC's data fields (type at 24, length at 28, pointer at 32) and
  // IOMMU_GET_HW_INFO's out_capabilities (at 32) are later additions: a caller that
  // stops before them sends no data, or reads no capabilities back.
  CHECK(run_failures(std::string(kObjects) + R"(
  - {op: hwpt_alloc, id: p24, ioas: a, size: 24}
  - {op: viommu_alloc, id: v24, hwpt: s2, device: nic0, size: 24}
  - {op: get_hw_info, device: nic0, size: 32, expect_capabilities: []}
  - {op: get_hw_info, device: nic0, size: 39, expect_capabilities: []}
  - {op: get_hw_info, device: nic0, size: 40, expect_capabilities: [dirty_tracking]}
  - {op: hwpt_alloc_nested, id: n24, parent: s2, device: nic0, s1_root: 0, size: 24,
     expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: n27, parent: v, device: nic0, s1_root: 0, size: 27,
     expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: n28, parent: s2, device: nic0, s1_root: 0, size: 28,
     expect: EINVAL}
  - {op: hwpt_alloc_nested, id: n31, parent: a, device: nic0, s1_root: 0, size: 31,
     expect: EINVAL}
  - {op: hwpt_alloc_nested, id: na, parent: a, device: nic0, s1_root: 0, expect: EOPNOTSUPP}
  - {op: hwpt_alloc_nested, id: n32, parent: s2, device: nic0, s1_root: 0, size: 32,
     expect: EFAULT}
  - {op: hwpt_alloc_nested, id: n39, parent: v, device: nic0, s1_root: 0, size: 39,
     expect: EFAULT}
  - {op: hwpt_alloc_nested, id: n40, parent: s2, device: nic0, s1_root: 0, size: 40}
  - {op: hwpt_alloc_nested, id: n47, parent: v, device: nic0, s1_root: 0, size: 47}
  - {op: hwpt_alloc_nested, id: n24f, parent: v, device: nic0, s1_root: 0, size: 24,
     flags: [dirty_tracking], expect: EOPNOTSUPP}
)") == 0);
}

TEST_CASE("the size keys are refused where they mean nothing") {
  auto error = [](const std::string& host) {
    try {
      HostRig rig(std::string("memory: []\nsetup:\n") + host, nesting_unit());
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error("  - {op: ioas_alloc, id: a, size: 12, trailing: nonzero}\n")
            .find("a.trailing: trailing bytes exist only past the struct's 12 bytes") !=
        std::string::npos);
  CHECK(error("  - {op: ioas_alloc, id: a, size: 13, trailing: some}\n").find("trailing") !=
        std::string::npos);
  CHECK(error("  - {op: ioas_alloc, id: a, size: -1}\n")
            .find("a.size: expected an integer from 0 to 4294967295") != std::string::npos);
  CHECK(error("  - {op: vfio_get_api_version, trailing: zero}\n")
            .find("vfio_get_api_version is no iommufd ioctl") != std::string::npos);
  CHECK(error("  - {op: ioas_alloc, id: a}\n  - {op: hwpt_alloc_nested, id: n, parent: a, "
              "device: nic0, s1_root: 0, size: 24}\n")
            .find("n.size: a struct without data_type on an IOAS is a paging "
                  "allocation") != std::string::npos);
  CHECK(error("  - {op: ioas_alloc, id: a, size: 13}\n") == "accepted");
}
