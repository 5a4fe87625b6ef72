// The pin ledger and accounting (iommufd-semantics §2.1, §2.7) and RLIMIT_MODE.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- the pin ledger (§2.1, §2.7) ----

TEST_CASE(
    "pin ledger: shared pages are pinned once, the last cover unpins, ENOMEM changes nothing") {
  PinLedger l(8 * 4096);
  REQUIRE(l.new_pages_id() == 1);
  REQUIRE(l.new_pages_id() == 2);
  REQUIRE(l.cover(1, 10, 13) == Errno::Ok);
  CHECK(l.pinned_pages() == 4);
  REQUIRE(l.cover(1, 12, 15) == Errno::Ok);  // pages 12, 13 already pinned
  CHECK(l.pinned_pages() == 6);
  CHECK(l.cover(2, 0, 2) == Errno::Enomem);  // another pages object: 9 > 8
  CHECK(l.pinned_pages() == 6);
  REQUIRE(l.cover(2, 0, 1) == Errno::Ok);
  CHECK(l.locked_bytes() == 8 * 4096);
  l.uncover(1, 10, 13);
  CHECK(l.pinned_pages() == 6);  // 12..15 still covered, plus object 2's two pages
  l.uncover(1, 12, 15);
  l.uncover(2, 0, 1);
  CHECK(l.pinned_pages() == 0);
}

// ---- §2.7 accounting modes and §1.11 RLIMIT_MODE ----

TEST_CASE("accounting: CAP_IPC_LOCK pins without charging, so RLIMIT_MEMLOCK does not bind") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 64KiB
capabilities: [ipc_lock]
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
)",
                 &locked) == 0);
  CHECK(locked == 0);
}

TEST_CASE("pin ledger: NONE pages are pinned but not charged, the limit sees only charged ones") {
  PinLedger l(4 * 4096);
  l.set_new_mode(AccountMode::None);
  const uint64_t free_id = l.new_pages_id();
  l.set_new_mode(AccountMode::Mm);
  const uint64_t mm_id = l.new_pages_id();
  REQUIRE(l.cover(free_id, 0, 99) == Errno::Ok);
  CHECK(l.cover(mm_id, 0, 4) == Errno::Enomem);
  REQUIRE(l.cover(mm_id, 0, 3) == Errno::Ok);
  CHECK(l.pinned_pages() == 104);
  CHECK(l.charged_pages() == 4);
  l.uncover(free_id, 0, 99);
  CHECK(l.pinned_pages() == 4);
  CHECK(l.charged_pages() == 4);
}

TEST_CASE("rlimit_mode: global (EOPNOTSUPP with an IOAS), EPERM, EBUSY, EINVAL, GET") {
  CHECK(failures(R"(
setup:
  - {op: ioas_option, option: rlimit_mode, expect_value: 0}
  - {op: ioas_option, option: rlimit_mode, set: 1, expect: EPERM}
)") == 0);
  CHECK(failures(R"(
capabilities: [sys_resource]
setup:
  - {op: ioas_option, option: rlimit_mode, set: 2, expect: EINVAL}
  - {op: ioas_option, option: rlimit_mode, set: 1}
  - {op: ioas_option, option: rlimit_mode, expect_value: 1}
  - {op: ioas_alloc, id: a}
  - {op: ioas_option, option: rlimit_mode, ioas: a, expect: EOPNOTSUPP}
  - {op: ioas_option, option: rlimit_mode, set: 0, expect: EBUSY}
  - {op: ioas_destroy, ioas: a}
  - {op: ioas_option, option: rlimit_mode, set: 0}
  - {op: ioas_option, option: rlimit_mode, expect_value: 0}
)") == 0);
}

TEST_CASE("rlimit_mode 1 (MM) charges like USER against the same RLIMIT_MEMLOCK") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 1MiB
capabilities: [sys_resource]
setup:
  - {op: ioas_option, option: rlimit_mode, set: 1}
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 4KiB, expect: ENOMEM}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);
}
