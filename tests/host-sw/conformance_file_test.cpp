// The selftests of file-backed maps and of moving an iommufd to another process
// (tools/testing/selftests/iommu/iommufd.c: the memfd variant of
// iommufd_mock_domain's `basic`, and the change_process fixture), translated into our
// host operations: memfd_create / memfd_truncate, ioas_map_file, process_create and
// ioas_change_process.
#include <doctest/doctest.h>

#include <string>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

TEST_CASE("TEST_F(iommufd_mock_domain, basic) with a memfd: MAP_FILE and its EINVALs") {
  // One page maps; a range past the file's size is EINVAL, so is any range once the
  // file is truncated to 0. The VMM's address space does not matter: unmapping its
  // memory changes nothing for the file.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: memfd_create, file: m, size: 64KiB}
  - {op: ioas_map_file, ioas: a, file: m, start: 0, length: 4KiB, save_iova: one}
  - {op: ioas_unmap, ioas: a, iova: one, length: 4KiB, expect_length: 4KiB}
  - {op: memfd_create, file: t, size: 64KiB}
  - {op: ioas_map_file, ioas: a, file: t, length: 0x10001, expect: EINVAL}
  - {op: ioas_map_file, ioas: a, file: t, start: 60KiB, length: 8KiB, expect: EINVAL}
  - {op: ioas_map_file, ioas: a, file: t, length: 0, expect: EINVAL}
  - {op: ioas_map_file, ioas: a, file: t, start: 0xffffffffffff0000, length: 0x20000,
     expect: EOVERFLOW}
  - {op: ioas_map_file, ioas: a, file: t, length: 4KiB, prot: none, expect: EINVAL}
  - {op: memfd_truncate, file: t, size: 0}
  - {op: ioas_map_file, ioas: a, file: t, length: 64KiB, expect: EINVAL}
  - {op: memfd_truncate, file: t, size: 64KiB}
  - {op: ioas_map_file, ioas: a, file: t, iova: 0x100000, length: 64KiB}
  - {op: munmap, user: guest}
  - {op: ioas_map_file, ioas: a, file: t, iova: 0x200000, start: 4KiB, length: 8KiB}
  - {op: ioas_map_file, ioas: a, file: t, iova: 0x200000, length: 4KiB, expect: EEXIST}
)") == 0);
}

TEST_CASE("MAP_FILE pins and charges the file's pages as any map does") {
  // Lazy without a domain; the first domain pins and charges them; two maps of the
  // same pages are two pages objects (charged twice, as two user maps of one buffer),
  // a COPY shares its source's.
  int64_t locked = 0;
  CHECK(failures(R"(
setup:
  - {op: memfd_create, file: m, size: 1MiB}
  - {op: ioas_alloc, id: a}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x100000, length: 64KiB}
  - {op: ioas_alloc, id: b}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, dst_iova: 0x100000,
     length: 64KiB}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x200000, length: 64KiB}
)",
                 &locked) == 0);
  CHECK(locked == 128 * 1024);
}

namespace {
// The change_process fixture: an IOAS with a device (the mock domain), accounting as
// the variant says; `caps` is the host's capabilities line.
std::string change_fixture(const char* caps, bool mm) {
  std::string y = std::string("capabilities: ") + caps + "\nsetup:\n";
  if (mm) y += "  - {op: ioas_option, option: rlimit_mode, set: 1}\n";
  y += R"(  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: memfd_create, file: m, size: 64KiB}
  - {op: process_create, id: child}
)";
  return y;
}
}  // namespace

TEST_CASE("TEST_F(change_process, basic): EINVAL with user memory mapped, then it moves") {
  struct Variant {
    const char* name;
    const char* caps;
    bool mm;
    const char* locked;  // what a page charges: nothing without a limit to charge
  };
  for (const Variant& v : {Variant{"account_none", "[ipc_lock]", false, "0"},
                           Variant{"account_user", "[]", false, "4KiB"},
                           Variant{"account_mm", "[sys_resource]", true, "4KiB"}}) {
    INFO(v.name);
    const std::string l = v.locked;
    CHECK(failures(change_fixture(v.caps, v.mm) + R"(
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, save_iova: anon}
  - {op: ioas_change_process, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: anon, length: 4KiB}
  - {op: ioas_map_file, ioas: a, file: m, length: 4KiB}
  - {op: ioas_change_process, process: vmm, expect_moved: 0,
     expect_locked: {vmm: )" +
                   l + R"(, child: 0}, expect_pinned: {vmm: 4KiB, child: 0}}
  - {op: ioas_change_process, process: child, expect_moved: 4KiB,
     expect_locked: {vmm: 0, child: )" +
                   l + R"(}, expect_pinned: {vmm: 0, child: 4KiB}}
  - {op: ioas_change_process, expect_moved: 0}
)") == 0);
  }
}

TEST_CASE("IOAS_CHANGE_PROCESS: the new process's RLIMIT_MEMLOCK, shared pages, later maps") {
  // A process whose limit cannot hold the pages is ENOMEM and nothing moves; pages
  // shared by a COPY into another IOAS move once; maps after the change are charged to
  // the process that made it (the caller from then on), and unmaps uncharge the owner.
  CHECK(failures(R"(
setup:
  - {op: memfd_create, file: m, size: 1MiB}
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x100000, length: 64KiB}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, dst_iova: 0x400000,
     length: 64KiB}
  - {op: process_create, id: small, memlock: 32KiB}
  - {op: process_create, id: big, memlock: 1MiB}
  - {op: ioas_change_process, process: small, expect: ENOMEM}
  - {op: ioas_change_process, process: vmm, expect_locked: {vmm: 64KiB, small: 0}}
  - {op: ioas_change_process, process: big, expect_moved: 64KiB,
     expect_locked: {vmm: 0, small: 0, big: 64KiB}}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x200000, start: 64KiB, length: 16KiB}
  - {op: ioas_change_process, expect_locked: {vmm: 0, big: 80KiB}}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB}
  - {op: ioas_unmap, ioas: b, iova: 0x400000, length: 64KiB}
  - {op: ioas_change_process, expect_locked: {vmm: 0, big: 16KiB}}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x800000, length: 1MiB, expect: ENOMEM}
)") == 0);
  // Without a domain nothing is pinned: the pages change owner and the first domain
  // charges the new process.
  CHECK(failures(R"(
setup:
  - {op: memfd_create, file: m, size: 1MiB}
  - {op: ioas_alloc, id: a}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x100000, length: 64KiB}
  - {op: process_create, id: child}
  - {op: ioas_change_process, process: child, expect_moved: 0}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_change_process, expect_locked: {vmm: 0, child: 64KiB}}
)") == 0);
  // A wrong expectation fails the step.
  CHECK(failures(R"(
setup:
  - {op: memfd_create, file: m, size: 1MiB}
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map_file, ioas: a, file: m, iova: 0x100000, length: 64KiB}
  - {op: ioas_change_process, expect_locked: {vmm: 0}}
)") == 1);
}

TEST_CASE("PinLedger: each process has its own RLIMIT_MEMLOCK, the totals sum them") {
  PinLedger l(8 * 4096);
  const unsigned p = l.add_process("next", 4 * 4096);
  CHECK(l.find_process("next") == int(p));
  CHECK(l.find_process("nobody") == -1);
  CHECK(l.charge(AccountMode::User, 8) == Errno::Ok);  // the VMM's whole limit
  CHECK(l.charge(AccountMode::User, 1) == Errno::Enomem);
  CHECK(l.charge(AccountMode::User, 4, p) == Errno::Ok);  // the other's own
  CHECK(l.charge(AccountMode::Mm, 1, p) == Errno::Enomem);
  CHECK(l.charge(AccountMode::None, 100, p) == Errno::Ok);  // never charged
  CHECK(l.charged_pages() == 12);
  CHECK(l.pinned_pages() == 112);
  CHECK(l.processes()[p].charged == 4);
  CHECK(l.processes()[p].pinned == 104);
  CHECK_THROWS(l.uncharge(AccountMode::User, 5, p));  // more than it was charged
  l.uncharge(AccountMode::User, 4, p);
  CHECK(l.processes()[p].charged == 0);
  CHECK(l.charged_pages() == 8);
}
