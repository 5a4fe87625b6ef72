// Domains, accounting and in-kernel accesses through the host's ops, as Linux
// iommufd has them (domain attach, unfill, accounting, iommufd_access): pins counted once however
// many covers, RLIMIT rollback, attach of unbacked memory, unmap before unpin in the trace,
// accesses and their unmap notices, hwpt_destroy, and random sequences that must tear down to
// nothing.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {
struct Events : TraceSink {
  std::vector<std::string>* out;
  explicit Events(std::vector<std::string>* o) : out(o) {}
  void write(const TraceEvent& e) override { out->push_back(e.component + " " + e.event); }
  void close() override {}
};

struct Outcome {
  int64_t failed = 0, locked = 0, pinned = 0;
  uint64_t tables = 0;
};

Outcome run_host(const std::string& yaml, std::vector<std::string>* events = nullptr) {
  HostRig rig(std::string(kMem) + yaml);
  if (events) rig.trace.add_sink(std::make_unique<Events>(events));
  rig.host->check_each_op(true);
  rig.run();
  rig.trace.finish();
  CHECK(rig.host->check_invariants() == "");
  return {rig.stat("host.steps_failed"), rig.stat("host.locked_bytes"),
          rig.stat("host.pinned_bytes"), rig.host->table_pages()};
}
}  // namespace

// ---- accounting ----

TEST_CASE("accounting: MAP, COPY into another IOAS and an access on both count the pages once") {
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: ha, ioas: a}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, dst_iova: 0x400000, length: 1MiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_create, id: y, ioas: b}
  - {op: access_pin, access: x, iova: 0x100000, length: 64KiB, write: true}
  - {op: access_pin, access: y, iova: 0x400000, length: 64KiB}
)");
  CHECK(o.failed == 0);
  CHECK(o.locked == 1 << 20);
  CHECK(o.pinned == 1 << 20);
}

TEST_CASE("accounting: over RLIMIT_MEMLOCK the fill is rolled back whole, nothing stays pinned") {
  Outcome o = run_host(R"(
memlock: 64KiB
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 128KiB, expect: ENOMEM}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: access_create, id: x, ioas: a}
  # the access reads the mapped half from the domain; the other half would be new
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, offset: 1MiB, length: 4KiB, expect: ENOMEM}
)");
  CHECK(o.failed == 0);
  CHECK(o.locked == 64 << 10);
  CHECK(o.pinned == 64 << 10);
}

TEST_CASE("accounting: an access over RLIMIT_MEMLOCK is ENOMEM and pins nothing") {
  Outcome o = run_host(R"(
memlock: 64KiB
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x100000, length: 128KiB, expect: ENOMEM}
  - {op: access_pin, access: x, iova: 0x100000, length: 64KiB}
  - {op: access_pin, access: x, iova: 0x100000, length: 64KiB}
)");
  CHECK(o.failed == 0);
  CHECK(o.locked == 64 << 10);  // the second identical pin adds a cover, not a page
}

// ---- domains (attach and detach) ----

TEST_CASE("attach after a lazy map of unbacked memory fails EFAULT and leaves the IOAS unchanged") {
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 0x800, length: 0x1800}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 1MiB}
  - {op: munmap, user: guest}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EADDRINUSE}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 0x1800}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EFAULT}
  # unchanged: still lazy (alignment 1), the area is there, no aperture reserved
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 1, expect_ranges: ["0-0xffffffffffffffff"]}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 1MiB}
)");
  CHECK(o.failed == 0);
  CHECK(o.pinned == 0);
  CHECK(o.tables == 0);  // the failed domain's tables are gone with it
}

TEST_CASE("unmap before unpin: the unpin comes after the unmap's IOTLB sync completed") {
  std::vector<std::string> ev;
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
steps:
  - {at: 1us, op: ioas_unmap, ioas: a, iova: 0x100000, length: 1MiB}
)",
                       &ev);
  CHECK(o.failed == 0);
  CHECK(o.pinned == 0);
  auto at = [&](const std::string& e) { return std::find(ev.begin(), ev.end(), e) - ev.begin(); };
  REQUIRE(at("host unpin") < ptrdiff_t(ev.size()));
  CHECK(at("host inv_submit") < at("iommu wait_done"));
  CHECK(at("iommu wait_done") < at("host unpin"));
}

TEST_CASE("hwpt_destroy: EBUSY while attached, the last domain unpins except what accesses hold") {
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h1, ioas: a}
  - {op: hwpt_alloc, id: h2, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: attach, device: nic0, hwpt: h1}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x140000, length: 16KiB}
  - {op: hwpt_destroy, hwpt: h1, expect: EBUSY}
  - {op: detach, device: nic0}
  - {op: hwpt_destroy, hwpt: h1}
  - {op: hwpt_destroy, hwpt: h1, expect: ENOENT}
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4KiB}
  - {op: hwpt_destroy, hwpt: h2}
  # the access pins pages, so it keeps the alignment at the page (iopt_add_access)
  - {op: ioas_iova_ranges, ioas: a, expect_alignment: 4KiB}
)");
  CHECK(o.failed == 0);
  CHECK(o.pinned == 16 << 10);
  CHECK(o.locked == 16 << 10);
  CHECK(o.tables == 0);
}

// ---- in-kernel accesses ----

TEST_CASE("access: pins a lazy IOAS's pages, unpin takes them back, errnos for bad ranges") {
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x110000, user: guest, offset: 1MiB, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: ro, length: 64KiB, prot: r}
  - {op: access_create, id: x, ioas: a}
  - {op: access_create, id: x, ioas: a, expect: EEXIST}
  - {op: access_pin, access: x, iova: 0x108000, length: 64KiB}
  - {op: access_pin, access: x, iova: 0x118000, length: 64KiB, expect: ENOENT}
  - {op: access_pin, access: x, iova: 0x200000, length: 4KiB, write: true, expect: EPERM}
  - {op: access_pin, access: x, iova: 0x200000, length: 4KiB}
  - {op: access_pin, access: x, iova: 0x100000, length: 0, expect: EINVAL}
  - {op: access_unpin, access: x, iova: 0x108000, length: 4KiB, expect: ENOENT}
  - {op: access_unpin, access: x, iova: 0x200000, length: 4KiB}
  - {op: ioas_destroy, ioas: a, expect: EBUSY}
)");
  CHECK(o.failed == 0);
  CHECK(o.pinned == 64 << 10);  // 0x108000+64KiB spans two areas, 16 pages
}

TEST_CASE("access: an unmap notifies the access, which drops its pins first") {
  Outcome o = run_host(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, offset: 1MiB, length: 64KiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x100000, length: 8KiB}
  - {op: access_pin, access: x, iova: 0x200000, length: 8KiB}
  - {op: hwpt_destroy, hwpt: h}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB}
  - {op: access_unpin, access: x, iova: 0x100000, length: 8KiB, expect: ENOENT}
  - {op: access_destroy, access: x}
  - {op: access_pin, access: x, iova: 0x200000, length: 8KiB, expect: ENOENT}
  - {op: ioas_destroy, ioas: a}
)");
  CHECK(o.failed == 0);
  CHECK(o.pinned == 0);
  CHECK(o.locked == 0);
}

// ---- issue 12: any sequence tears down to nothing ----

TEST_CASE("teardown: random map, unmap, copy, attach, detach, access sequences leave nothing") {
  uint64_t state = 0x2545f4914f6cdd1dull;
  auto pick = [&state](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  const char* ioas[] = {"a", "b"};
  const char* iovas[] = {"0x100000", "0x110000", "0x180000", "0x200000", "0x400000"};
  const char* lens[] = {"0x1000", "0x10000", "0x80000", "0x200000"};
  const char* offsets[] = {"0", "0x1000", "0x200000"};
  int oks = 0;
  for (int seed = 0; seed < 60; ++seed) {
    std::ostringstream y;
    y << "memlock: 8MiB\nsetup:\n  - {op: ioas_alloc, id: a}\n  - {op: ioas_alloc, id: b}\n"
      << "  - {op: access_create, id: xa, ioas: a}\n  - {op: access_create, id: xb, ioas: b}\n";
    int hwpts = 0;
    for (int k = 0; k < 30; ++k) {
      const int i = int(pick(2));
      const char* io = ioas[i];
      y << "  - {";
      switch (pick(10)) {
        case 0:
        case 1:
          y << "op: ioas_map, ioas: " << io << ", iova: " << iovas[pick(5)]
            << ", user: " << (pick(2) ? "huge" : "guest") << ", offset: " << offsets[pick(3)]
            << ", length: " << lens[pick(4)];
          break;
        case 2:
          y << "op: ioas_copy, src_ioas: " << io << ", src_iova: " << iovas[pick(5)]
            << ", dst_ioas: " << ioas[pick(2)] << ", dst_iova: " << iovas[pick(5)]
            << ", length: " << lens[pick(4)];
          break;
        case 3:
          y << "op: ioas_unmap, ioas: " << io << ", iova: " << iovas[pick(5)]
            << ", length: " << lens[pick(4)];
          break;
        case 4:
          y << "op: hwpt_alloc, id: h" << hwpts++ << ", ioas: " << io;
          break;
        case 5:
          if (hwpts && pick(2))
            y << "op: attach, device: nic0, hwpt: h" << pick(hwpts);
          else
            y << "op: detach, device: nic0";
          break;
        case 6:
          if (hwpts)
            y << "op: hwpt_destroy, hwpt: h" << pick(hwpts);
          else
            y << "op: wait";
          break;
        case 7:
        case 8:
          y << "op: access_pin, access: x"
            << "ab"[i] << ", iova: " << iovas[pick(5)] << ", length: " << lens[pick(4)]
            << ", write: " << (pick(2) ? "true" : "false");
          break;
        case 9:
          y << "op: access_unpin, access: x"
            << "ab"[i] << ", iova: " << iovas[pick(5)] << ", length: " << lens[pick(4)];
          break;
      }
      y << "}\n";
    }
    // Teardown in the kernel's order: devices, accesses, areas, HWPTs.
    y << "  - {op: detach, device: nic0}\n"
      << "  - {op: access_destroy, access: xa}\n  - {op: access_destroy, access: xb}\n"
      << "  - {op: ioas_unmap, ioas: a, iova: 0, length: all}\n"
      << "  - {op: ioas_unmap, ioas: b, iova: 0, length: all}\n";
    for (int h = 0; h < hwpts; ++h) y << "  - {op: hwpt_destroy, hwpt: h" << h << "}\n";
    y << "  - {op: ioas_destroy, ioas: a}\n  - {op: ioas_destroy, ioas: b}\n";
    std::ostringstream log;
    std::streambuf* err = std::cerr.rdbuf(log.rdbuf());  // errno mismatches are expected
    Outcome o;
    {
      HostRig rig(std::string(kMem) + y.str());
      rig.host->check_each_op(true);
      rig.run();
      o = {rig.stat("host.steps_failed"), rig.stat("host.locked_bytes"),
           rig.stat("host.pinned_bytes"), rig.host->table_pages()};
    }
    std::cerr.rdbuf(err);
    INFO(y.str());
    INFO(log.str());
    CHECK(log.str().find("invariant broken") == std::string::npos);
    CHECK(o.pinned == 0);
    CHECK(o.locked == 0);
    CHECK(o.tables == 0);
    oks += 30 - int(o.failed);
  }
  CHECK(oks > 60 * 8);  // enough ops succeed for the sequences to mean something
}

TEST_CASE("pfn_batch_runs: one run per batch still maps and pins every page once") {
  Outcome o = run_host(R"(
pfn_batch_runs: 1
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h1, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_map, ioas: a, iova: 0x400000, user: huge, length: 4MiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x180000, length: 512KiB}
  - {op: hwpt_alloc, id: h2, ioas: a}
)");
  CHECK(o.failed == 0);
  CHECK(o.pinned == 5 << 20);
}
