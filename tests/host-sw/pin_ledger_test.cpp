// The pin ledger and RLIMIT_MEMLOCK accounting of iopt_pages, and RLIMIT_MODE.
#include <doctest/doctest.h>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- the pin ledger ----

TEST_CASE("pin ledger: charges up to the limit, ENOMEM changes nothing, uncharge returns it") {
  PinLedger l(8 * 4096);
  REQUIRE(l.new_pages_id() == 1);
  REQUIRE(l.new_pages_id() == 2);
  REQUIRE(l.charge(AccountMode::User, 6) == Errno::Ok);
  CHECK(l.charge(AccountMode::Mm, 3) == Errno::Enomem);  // USER and MM share the counter
  CHECK(l.pinned_pages() == 6);
  REQUIRE(l.charge(AccountMode::Mm, 2) == Errno::Ok);
  CHECK(l.locked_bytes() == 8 * 4096);
  l.uncharge(AccountMode::User, 6);
  l.uncharge(AccountMode::Mm, 2);
  CHECK(l.pinned_pages() == 0);
  CHECK(l.charged_pages() == 0);
  CHECK_THROWS(l.uncharge(AccountMode::User, 1));
}

TEST_CASE("iopt_pages: shared pages are pinned once, the last cover unpins") {
  IoptPages p(1, 10 * 4096, 8 * 4096, true, AccountMode::User);
  p.hold(10, 13);
  CHECK(p.npinned() == 4);
  p.hold(12, 15);  // 12 and 13 pinned already
  CHECK(p.npinned() == 6);
  CHECK(p.holders(12) == 2);
  CHECK(p.release(10, 13) == 2);  // only 10 and 11 lose their last cover
  CHECK(p.npinned() == 4);
  CHECK(p.release(12, 15) == 4);
  CHECK(p.npinned() == 0);
  CHECK(p.segments() == 0);
}

// ---- accounting modes and RLIMIT_MODE ----

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
  REQUIRE(l.charge(AccountMode::None, 100) == Errno::Ok);
  CHECK(l.charge(AccountMode::Mm, 5) == Errno::Enomem);
  REQUIRE(l.charge(AccountMode::Mm, 4) == Errno::Ok);
  CHECK(l.pinned_pages() == 104);
  CHECK(l.charged_pages() == 4);
  l.uncharge(AccountMode::None, 100);
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
