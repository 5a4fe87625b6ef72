// IOAS map, unmap, destroy and copy through the host, rule by rule (IOMMU_IOAS_DESTROY,
// MAP, UNMAP, COPY), the errnos in the kernel's order; save_iova; and random
// operation sequences, the invariants checked after every operation.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

// ---- MAP ----

TEST_CASE("map: allocated IOVAs follow the allocator through the CLI keys") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 16MiB, expect_iova: 0x200000}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect_iova: 0x1000}
  - {op: ioas_map, ioas: a, user: guest, length: 12KiB, expect_iova: 0x4000}
  - {op: ioas_map, ioas: a, user: guest, offset: 0x800, length: 0x800, expect_iova: 0x2800}
)") == 0);
}

TEST_CASE("map: a wrong expect_iova fails the step (the check can fail)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, expect_iova: 0x2000}
)") == 1);
}

TEST_CASE(
    "map: errnos in the kernel's order (overflow, prot, length, alignment, reserved, EEXIST)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  # iova == U64_MAX: EOVERFLOW before the missing permission
  - {op: ioas_map, ioas: a, iova: 0xffffffffffffffff, user: guest, length: 4KiB, prot: none, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 4KiB, prot: none, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 0, expect: EINVAL}
  # length % alignment before the IOVA's alignment
  - {op: ioas_map, ioas: a, iova: 0x200800, user: guest, length: 0x800, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x200800, user: guest, length: 4KiB, expect: EINVAL}
  # iova + length - 1 overflows before the reserved check (the aperture complement)
  - {op: ioas_map, ioas: a, iova: 0xfffffffffffff000, user: guest, length: 8KiB, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x1000000000000, user: guest, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0xff000, user: guest, length: 0x102000, expect: EEXIST}
  - {op: ioas_map, ioas: a, iova: 0x10f000, user: guest, length: 4KiB, expect: EEXIST}
  # the user address's page offset must suit the IOAS alignment
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, offset: 0x800, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, user: guest, offset: 0x800, length: 4KiB, expect: EINVAL}
  - {op: ioas_map, ioas: a, iova: 0x110000, user: guest, length: 4KiB}
)") == 0);
}

TEST_CASE("map: a writable map of read-only memory faults when pinned, not while lazy") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EFAULT}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 64KiB}
  - {op: hwpt_alloc, id: h2, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB, expect: EFAULT}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: ro, length: 64KiB, prot: r}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

TEST_CASE("map: RLIMIT_MEMLOCK charges pinned pages once, over it ENOMEM and nothing stays") {
  int64_t locked = -1;
  CHECK(failures(R"(
memlock: 1MiB
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 2MiB, expect: ENOMEM}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  # a COPY shares the pages: no new charge, so it fits at the limit
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x400000, length: 1MiB}
  - {op: ioas_map, ioas: a, iova: 0x800000, user: guest, length: 4KiB, expect: ENOMEM}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);
}

TEST_CASE(
    "map: the user range must not wrap (EOVERFLOW), nor be longer than SIZE_MAX - PS (EINVAL)") {
  // guest is at 0x7f0000000000: offsets that wrap the address space reach any user VA.
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 0xffff80ffffff0000, length: 128KiB, expect: EOVERFLOW}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 0xffff810000000800, length: 0xfffffffffffff000, expect: EINVAL}
  # an unbacked user range maps while lazy; pinning it faults and changes nothing
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, offset: 1GiB, length: 64KiB}
  - {op: hwpt_alloc, id: h, ioas: a, expect: EFAULT}
  - {op: ioas_iova_ranges, ioas: a, expect_ranges: ["0-0xffffffffffffffff"], expect_alignment: 1}
)") == 0);
}

// ---- UNMAP ----

TEST_CASE("unmap: returned length skips holes, ENOENT for nothing, unmap-all of nothing is fine") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x300000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x400000, length: 1MiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0, length: 16MiB, expect_length: 192KiB}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 0}
)") == 0);
}

TEST_CASE("unmap: a partial area is ENOENT and not atomic (areas below it are gone)") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x200000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x300000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 0x208000, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x200000, length: 64KiB, expect: ENOENT}
  - {op: ioas_unmap, ioas: a, iova: 0x308000, length: 32KiB, expect: ENOENT}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);  // only the third area is left, still pinned
}

TEST_CASE("unmap: EOVERFLOW and EINVAL before any area is looked at") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: all, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0xffffffffffffffff, length: 4KiB, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0xfffffffffffff000, length: 8KiB, expect: EOVERFLOW}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 0, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 64KiB, expect_length: 64KiB}
)") == 0);
}

TEST_CASE("unmap: a wrong expect_length fails the step") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_unmap, ioas: a, iova: 0, length: all, expect_length: 4KiB}
)") == 1);
}

// ---- DESTROY ----

TEST_CASE("destroy: EBUSY while a HWPT uses the IOAS, with areas and no users it unmaps them") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_destroy, ioas: a, expect: EBUSY}
  - {op: ioas_alloc, id: b}
  - {op: ioas_map, ioas: b, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_destroy, ioas: b}
  - {op: ioas_map, ioas: b, iova: 0x100000, user: guest, length: 64KiB, expect: ENOENT}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

// ---- COPY ----

TEST_CASE("copy: across IOASes shares the pages, the charge follows the last cover") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: ha, ioas: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, length: 1MiB, expect_iova: 0x100000}
  - {op: ioas_unmap, ioas: a, iova: 0x100000, length: 1MiB}
)",
                 &locked) == 0);
  CHECK(locked == 1 << 20);  // b's area still holds every page
}

TEST_CASE("copy: from a lazy IOAS into a pinning one pins only the slice copied") {
  int64_t locked = -1;
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 1MiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x180000, dst_ioas: b, dst_iova: 0x400000, length: 64KiB}
)",
                 &locked) == 0);
  CHECK(locked == 64 * 1024);
}

TEST_CASE("copy: slices of contiguous areas become one area each, packed from the IOVA") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x110000, user: guest, offset: 1MiB, length: 64KiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x108000, dst_ioas: a, dst_iova: 0x800000, length: 64KiB}
  # two areas: 32 KiB from each source area
  - {op: ioas_unmap, ioas: a, iova: 0x800000, length: 32KiB, expect_length: 32KiB}
  - {op: ioas_unmap, ioas: a, iova: 0x808000, length: 32KiB, expect_length: 32KiB}
)") == 0);
}

TEST_CASE("copy: errnos (overflow, prot, source hole ENOENT, EPERM, EEXIST, reserved, alignment)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: attach, device: nic0, hwpt: h}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: ioas_map, ioas: a, iova: 0x120000, user: guest, length: 64KiB, prot: r}
  - {op: ioas_copy, src_ioas: a, src_iova: 0xffffffffffffffff, dst_ioas: a, length: 4KiB, expect: EOVERFLOW}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, length: 4KiB, prot: none, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, length: 0, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x108000, dst_ioas: a, length: 64KiB, expect: ENOENT}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x200000, dst_ioas: a, length: 4KiB, expect: ENOENT}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x120000, dst_ioas: a, length: 4KiB, expect: EPERM}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x120000, dst_ioas: a, length: 4KiB, prot: r, expect_iova: 0x1000}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x10f000, length: 4KiB, expect: EEXIST}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0xfee00000, length: 4KiB, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: a, dst_iova: 0x400800, length: 4KiB, expect: EINVAL}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100800, dst_ioas: a, length: 4KiB, expect: EINVAL}
)") == 0);
}

// ---- save_iova (docs/scenario.md) ----

TEST_CASE("save_iova: later ops use the name where an IOVA goes") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: h, ioas: a}
  - {op: ioas_map, ioas: a, user: guest, length: 1MiB, save_iova: g}
  - {op: ioas_copy, src_ioas: a, src_iova: g, dst_ioas: b, length: 1MiB, save_iova: c}
  - {op: ioas_copy, src_ioas: b, src_iova: c, dst_ioas: a, dst_iova: g, length: 4KiB, expect: EEXIST}
  - {op: ioas_unmap, ioas: b, iova: c, length: 1MiB, expect_length: 1MiB}
  - {op: ioas_unmap, ioas: a, iova: g, length: 1MiB, expect_length: 1MiB}
)") == 0);
}

TEST_CASE("save_iova: a name whose map failed fails the op that uses it") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 0, save_iova: g, expect: EINVAL}
  - {op: ioas_unmap, ioas: a, iova: g, length: 1MiB, expect: EINVAL}
)") == 1);
}

TEST_CASE("save_iova: names are checked before anything runs") {
  auto err = [](const std::string& y) {
    try {
      ConfigDoc doc = ConfigDoc::from_string(std::string(kMem) + y, "h.yaml");
      ConfigReader r = doc.root();
      load_host_config(r, {"nic0"});
      doc.check_unknown_keys();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  CHECK(err(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_unmap, ioas: a, iova: g, length: 4KiB}
)")
            .find("expected an address such as 0x3000, got 'g'") != std::string::npos);
  CHECK(err(R"(
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, save_iova: g}
  - {op: ioas_map, ioas: a, user: guest, length: 4KiB, save_iova: g}
)")
            .find("an IOVA named 'g' is saved already") != std::string::npos);
}

// ---- randomized: any sequence of IOAS operations keeps the invariants ----

TEST_CASE("random IOAS op sequences keep every invariant after every operation") {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto pick = [&state](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  const char* ioas[] = {"a", "b"};
  const char* iovas[] = {"0x100000", "0x110000", "0x180000", "0x200000", "0x100800", "0xfee00000"};
  const char* lens[] = {"0x800", "0x1000", "0x10000", "0x80000", "0x100000"};
  const char* offsets[] = {"0", "0x800", "0x1000", "0x200000"};
  int oks = 0;
  for (int seed = 0; seed < 100; ++seed) {
    std::ostringstream y;
    y << "memlock: 4MiB\nsetup:\n  - {op: ioas_alloc, id: a}\n  - {op: ioas_alloc, id: b}\n"
      << "  - {op: hwpt_alloc, id: h0, ioas: a}\n";
    for (int k = 0; k < 30; ++k) {
      const char* io = ioas[pick(2)];
      y << "  - {";
      switch (pick(11)) {
        case 0:
        case 1:
          y << "op: ioas_map, ioas: " << io
            << (pick(2) ? std::string(", iova: ") + iovas[pick(6)] : "")
            << ", user: " << (pick(4) ? "guest" : "ro") << ", offset: " << offsets[pick(4)]
            << ", length: " << lens[pick(5)] << ", prot: " << (pick(3) ? "rw" : "r");
          break;
        case 2:
          y << "op: ioas_copy, src_ioas: " << io << ", src_iova: " << iovas[pick(6)]
            << ", dst_ioas: " << ioas[pick(2)]
            << (pick(2) ? std::string(", dst_iova: ") + iovas[pick(6)] : "")
            << ", length: " << lens[pick(5)] << ", prot: " << (pick(3) ? "rw" : "r");
          break;
        case 3:
          y << "op: ioas_unmap, ioas: " << io << ", iova: " << iovas[pick(6)]
            << ", length: " << lens[pick(5)];
          break;
        case 4:
          y << "op: ioas_unmap, ioas: " << io
            << ", iova: 0, length: " << (pick(2) ? "all" : "4MiB");
          break;
        case 5:
          y << "op: hwpt_alloc, id: h" << k << ", ioas: " << io;
          break;
        case 6:
          y << "op: " << (pick(2) ? "detach, device: nic0" : "attach, device: nic0, hwpt: h0");
          break;
        case 7:
          y << "op: ioas_option, ioas: " << io << ", option: huge_pages, set: " << pick(2);
          break;
        case 8:
          y << "op: ioas_allow_iovas, ioas: " << io << ", ranges: ["
            << (pick(2) ? "\"0x100000+2MiB\"" : "") << "]";
          break;
        case 9:  // rare: the other ops need the IOAS
          y << "op: " << (pick(4) ? "ioas_iova_ranges, ioas: " : "ioas_destroy, ioas: ") << io;
          break;
        case 10:
          y << "op: ioas_alloc, id: " << io;
          break;
      }
      y << "}\n";
    }
    std::ostringstream log;
    std::streambuf* err = std::cerr.rdbuf(log.rdbuf());  // errno mismatches are expected
    int64_t failed = 0;
    std::string end;
    {
      HostRig rig(std::string(kMem) + y.str());
      rig.host->check_each_op(true);
      rig.run();
      failed = rig.stat("host.steps_failed");
      end = rig.host->check_invariants();
    }
    std::cerr.rdbuf(err);
    INFO(y.str());
    CHECK(log.str().find("invariant broken") == std::string::npos);
    if (log.str().find("invariant broken") != std::string::npos) MESSAGE(log.str());
    CHECK(end == "");
    oks += 33 - failed;
  }
  CHECK(oks > 100 * 10);  // enough succeed for the sequences to mean something
}
