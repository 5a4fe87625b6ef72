#include <doctest/doctest.h>

#include <set>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/iommufd/iova_bitmap.h"
#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {
const char* kSetup = R"(
memory: [{name: guest, size: 16MiB, backing: 4KiB}, {name: huge, size: 8MiB, backing: 2MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: hwpt0, ioas: ioas0, dirty_tracking: true}
  - {op: attach, device: nic0, hwpt: hwpt0}
  - {op: ioas_map, ioas: ioas0, iova: 0, user: guest, length: 16MiB}
)";
}  // namespace

TEST_CASE("errno names round trip") {
  for (std::string_view n : errno_names()) CHECK(errno_name(*errno_from_name(n)) == n);
  CHECK(errno_from_name("ENOTTY") == Errno::Enotty);  // device DMA logging's
  CHECK(errno_from_name("EIO") == Errno::Eio);
  CHECK_FALSE(errno_from_name("EWOULDBLOCK"));
}

TEST_CASE("VMM memory: VA->PA is a bijection inside the extent, huge pages stay contiguous") {
  PhysAllocator phys(1 << 20, 1ull << 32);
  VmmMemory vmm(phys);
  uint64_t va, hva;
  REQUIRE(vmm.mmap("g", 4 << 20, 4096, false, va) == Errno::Ok);
  const VmmMapping& m = *vmm.find("g");
  std::set<uint64_t> pas;
  for (uint64_t off = 0; off < m.size; off += 4096) {
    uint64_t pa = *vmm.pa(va + off);
    CHECK(pa >= m.extent);
    CHECK(pa < m.extent + m.size);
    CHECK(pa % 4096 == 0);
    pas.insert(pa);
  }
  CHECK(pas.size() == 1024);
  CHECK(*vmm.pa(va + 5) == *vmm.pa(va) + 5);
  size_t adjacent = 0;
  for (uint64_t off = 0; off + 4096 < m.size; off += 4096)
    adjacent += *vmm.pa(va + off + 4096) == *vmm.pa(va + off) + 4096;
  CHECK(adjacent < 100);  // scattered: contiguity is rare, never assumed
  REQUIRE(vmm.mmap("h", 8 << 20, 2 << 20, false, hva) == Errno::Ok);
  uint64_t run_pa = 0;
  CHECK(vmm.contiguous(hva, 8 << 20, run_pa) >= 2u << 20);
  CHECK(run_pa == *vmm.pa(hva));
  CHECK(*vmm.pa(hva) % (2 << 20) == 0);
  // Mid-page, scattered 4 KiB pages: the rest of the page, then pages only while they
  // follow one another; never past `max` or the mapping's end.
  for (uint64_t off = 0; off + 8192 <= m.size; off += 4096) {
    const uint64_t at = va + off + 100, want_pa = *vmm.pa(at);
    uint64_t want = 4096 - 100;
    while (off + want + 100 < m.size && *vmm.pa(at + want) == want_pa + want) want += 4096;
    CHECK(vmm.contiguous(at, 1ull << 40, run_pa) == want);
    CHECK(run_pa == want_pa);
    CHECK(vmm.contiguous(at, 10, run_pa) == 10);
  }
  CHECK_FALSE(vmm.pa(va - 1));
  CHECK(vmm.mmap("g", 4096, 4096, false, va) == Errno::Einval);
}

TEST_CASE("gather -> one aligned power-of-two invalidation, domain above max_order") {
  InvDescriptor d = covering_invalidation(3, 0x10000, 0x10fff, 18);
  CHECK(d.granularity == InvDescriptor::kPage);
  CHECK(d.addr == 0x10000);
  CHECK(d.am == 0);
  d = covering_invalidation(3, 0x10000, 0x102fff, 18);  // pages 0x10..0x102
  CHECK(d.am == 9);
  CHECK(d.addr == 0);
  d = covering_invalidation(3, 0x1000, 0x2fff, 18);  // pages 1..2 straddle a 2-page block
  CHECK(d.am == 2);
  CHECK(d.addr == 0);
  d = covering_invalidation(3, 0, (1ull << 40) - 1, 18);
  CHECK(d.granularity == InvDescriptor::kDomain);
  Gather one;
  one.add(0, 4096);
  CHECK(make_flush_policy("none")->groups(3, one, 18).empty());
  CHECK(make_flush_policy("gather")->groups(3, Gather{}, 18).empty());
}

TEST_CASE("flush policies: descriptors and waits for a known dirty set") {
  Gather g;  // pages 0x10, 0x11 (a run), 0x13, and a 2 MiB leaf at 0x400000
  g.add(0x10000, 0x1000);
  g.add(0x11000, 0x1000);
  g.add(0x13000, 0x1000);
  g.add(0x400000, 0x200000);
  REQUIRE(g.records.size() == 3);
  auto groups = [&](const FlushConfig& c) { return make_flush_policy(c)->groups(5, g, 18); };
  auto gather = groups({"gather"});
  REQUIRE(gather.size() == 1);
  CHECK(gather[0][0].am == 11);  // pages 0x10..0x5ff in one aligned block of 2^11
  CHECK(gather[0][0].addr == 0);
  auto per_pte = groups({"per_pte"});
  REQUIRE(per_pte.size() == 1);
  REQUIRE(per_pte[0].size() == 3);  // 0x10-0x11 as one order-1 block, 0x13, the 2 MiB leaf
  CHECK(per_pte[0][0].am == 1);
  CHECK(per_pte[0][1].addr == 0x13000);
  CHECK(per_pte[0][2].am == 9);
  auto runs = groups({"runs"});
  CHECK(runs.size() == 3);  // a sync at each gap
  auto ranges = groups({"ranges", 2, 0x2000});
  REQUIRE(ranges.size() == 1);
  CHECK(ranges[0].size() == 2);  // 0x10-0x13 merged across the one-page gap, then the leaf
  auto few = groups({"ranges", 1, 0});
  CHECK(few[0][0].granularity == InvDescriptor::kDomain);  // more than K ranges
  CHECK(groups({"domain"})[0][0].granularity == InvDescriptor::kDomain);
  CHECK(make_flush_policy("window")->per_window());
  CHECK(groups({"none"}).empty());
  CHECK(make_flush_policy("sometimes") == nullptr);
}

TEST_CASE("iova_bitmap: bit placement for page sizes and byte offsets, clipped records") {
  for (uint64_t offset : {0ull, 1ull, 2048ull, 4081ull}) {
    for (uint64_t ps : {1024ull, 4096ull, 64ull << 10, 2ull << 20, 1ull << 30}) {
      PhysAllocator phys(1 << 20, 1ull << 32);
      VmmMemory vmm(phys);
      SparseMemory mem(1ull << 32);
      uint64_t va;
      vmm.mmap("b", 1 << 20, 4096, false, va);
      const uint64_t iova = 16ull << 20, length = 64 * ps;
      IovaBitmap bm(vmm, mem, va + offset, iova, length, ps);
      IovaBitmap::Window w;
      REQUIRE(bm.next(w));
      CHECK(w.iova == iova);
      CHECK(w.length == length);
      bm.set(iova + 3 * ps + 1, 1);      // inside bit 3
      bm.set(iova + 10 * ps - 1, 2);     // straddles bits 9 and 10
      bm.set(iova + 60 * ps, 100 * ps);  // clipped at bit 63
      bm.set(iova - ps, ps);             // before the request: nothing
      std::vector<int> bits;
      for (int k = 0; k < 72; ++k) {
        uint8_t byte = 0;
        mem.read(*vmm.pa(va + offset + k / 8), &byte, 1);
        if (byte >> (k % 8) & 1) bits.push_back(k);
      }
      CHECK(bits == std::vector<int>{3, 9, 10, 60, 61, 62, 63});
      CHECK(bm.bits_set() == 7);
      CHECK_FALSE(bm.next(w));
    }
  }
}

TEST_CASE("iova_bitmap: a tiny window count forces many windows, a huge record skips ahead") {
  PhysAllocator phys(1 << 20, 1ull << 32);
  VmmMemory vmm(phys);
  SparseMemory mem(1ull << 32);
  uint64_t va;
  vmm.mmap("b", 1 << 20, 4096, false, va);
  // 1 GiB at 4 KiB = 32 KiB of bitmap = 8 pages; one page per window.
  IovaBitmap bm(vmm, mem, va, 0, 1ull << 30, 4096, 1);
  IovaBitmap::Window w;
  REQUIRE(bm.next(w));
  CHECK(w.length == 128ull << 20);                 // 4096 bytes * 8 bits * 4 KiB
  bm.set(w.iova + w.length - 4096, 300ull << 20);  // crosses two windows
  REQUIRE(bm.next(w));
  CHECK(w.iova >= (128ull + 296) << 20);  // windows wholly covered were skipped
  int n = 2;
  while (bm.next(w)) ++n;
  CHECK(n < 8);
}

TEST_CASE("harvest end to end: reported, cleared, flushed, a re-write is found again") {
  HostRig rig(std::string(kSetup) + R"(
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flags: [no_clear],
     expect_dirty: ["0x5000+0x1000", "0x200000+0x1000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB,
     expect_dirty: ["0x5000+0x1000", "0x200000+0x1000"]}
  - {at: 40us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
  - {at: 60us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x4000, length: 8KiB,
     page_size: 2KiB, expect_dirty: ["0x5000+0x1000"]}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(11 * kUs, 0x200010);
  rig.write_at(50 * kUs, 0x5008);  // after the flush: walks again and sets D
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 0);
  CHECK(rig.stat("host.dirty.harvests") == 4);
}

TEST_CASE("without the flush the re-write is lost to a stale dirty hit") {
  HostRig rig(std::string(kSetup) + R"(
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: none,
     expect_dirty: ["0x5000+0x1000"]}
  - {at: 60us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, expect_dirty: []}
)");
  rig.write_at(10 * kUs, 0x5000);
  rig.write_at(50 * kUs, 0x5008);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("iommu.ad.stale_dirty_hits") == 1);
}

TEST_CASE("errno behaviour of map, unmap, dirty reads and destroy, in the kernel's order") {
  HostRig rig(std::string(kSetup) + R"(
  - {op: hwpt_alloc, id: plain, ioas: ioas0}
steps:
  - {at: 1us, op: ioas_map, ioas: ioas0, iova: 0x1000, user: guest, length: 4KiB, expect: EEXIST}
  - {at: 2us, op: ioas_map, ioas: ioas0, iova: 0x2000000, user: guest, length: 0, expect: EINVAL}
  - {at: 3us, op: ioas_map, ioas: ioas0, iova: 0x2000000, user: guest, length: 4KiB, prot: none, expect: EINVAL}
  - {at: 4us, op: ioas_map, ioas: ioas0, iova: 0x2000001, user: guest, length: 4KiB, expect: EINVAL}
  - {at: 5us, op: ioas_unmap, ioas: ioas0, iova: 0x1000, length: 0x1000, expect: ENOENT}
  - {at: 6us, op: ioas_unmap, ioas: ioas0, iova: 0x4000000, length: 0x1000, expect: ENOENT}
  - {at: 7us, op: ioas_unmap, ioas: ioas0, iova: 0x1000, length: 0, expect: EINVAL}
  - {at: 8us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x800, length: 4KiB, expect: EINVAL}
  - {at: 9us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x1000, length: 0, expect: EOVERFLOW}
  - {at: 10us, op: get_dirty_bitmap, hwpt: plain, iova: 0, length: 4KiB, expect: EOPNOTSUPP}
  - {at: 11us, op: set_dirty_tracking, hwpt: plain, enable: true, expect: EOPNOTSUPP}
  - {at: 12us, op: ioas_destroy, ioas: ioas0, expect: EBUSY}
  - {at: 13us, op: ioas_map, ioas: ioas0, iova: 0x2000000, user: huge, length: 8MiB}
  - {at: 14us, op: ioas_unmap, ioas: ioas0, iova: 0x2000000, length: 8MiB}
  - {at: 15us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 32MiB}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.dirty.partial_harvests") == 1);  // tracking off: silent success
}

TEST_CASE("huge backing maps 2 MiB leaves, a dirty 2 MiB leaf is 512 bits at 4 KiB") {
  HostRig rig(std::string(kSetup) + R"(
  - {op: ioas_map, ioas: ioas0, iova: 0x4000000, user: huge, length: 8MiB}
steps:
  - {at: 1us, op: set_dirty_tracking, hwpt: hwpt0, enable: true}
  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x4000000, length: 8MiB,
     expect_dirty: ["0x4200000+0x200000"]}
  - {at: 30us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0x4000000, length: 8MiB, expect_dirty: []}
)");
  rig.write_at(10 * kUs, 0x4212340);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.dirty.bits_set") == 512);
}

TEST_CASE("hwpt_alloc with dirty tracking needs coherent walks") {
  IommuConfig c;
  c.coherent_walk = false;
  HostRig rig(R"(
memory: [{name: guest, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: ioas0}
  - {op: hwpt_alloc, id: h, ioas: ioas0, dirty_tracking: true, expect: EOPNOTSUPP}
)",
              c);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
}

TEST_CASE("host config: references and order are checked before anything runs") {
  auto err = [](const std::string& y) {
    try {
      ConfigDoc doc = ConfigDoc::from_string(y, "h.yaml");
      ConfigReader r = doc.root();
      load_host_config(r, {"nic0"});
      doc.check_unknown_keys();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  CHECK(err("setup: [{op: hwpt_alloc, id: h, ioas: nope}]").find("no IOAS named 'nope'") !=
        std::string::npos);
  CHECK(
      err("setup: [{op: ioas_alloc, id: a}, {op: ioas_map, ioas: a, iova: 0, user: g, length: 1}]")
          .find("no VMM mapping named 'g'") != std::string::npos);
  CHECK(err("steps: [{at: 2us, op: wait}, {at: 1us, op: wait}]").find("non-decreasing") !=
        std::string::npos);
  CHECK(err("steps: [{at: 2us, op: wait, expect: EWHAT}]").find("expected one of OK") !=
        std::string::npos);
  CHECK(err("steps: [{at: 2us, op: wait, hwpt: x}]").find("unknown key 'hwpt'") !=
        std::string::npos);
  CHECK(err("steps: [{op: wait}]").find("missing required key 'at'") != std::string::npos);
}
