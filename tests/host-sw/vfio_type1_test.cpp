// The VFIO type1 front end (as vfio_iommu_type1.c behaves) rule by rule: MAP_DMA / UNMAP_DMA
// over the IOAS, the dirty-pages API without D bits, its u64-word bitmap writes.
#include <doctest/doctest.h>

#include "host-sw/iommufd/vfio_type1.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {
// A type1v2 container `c` with a domain (HWPT h) and no device attached yet.
const char* kContainer = R"(
setup:
  - {op: ioas_alloc, id: c}
  - {op: vfio_set_iommu, ioas: c}
  - {op: hwpt_alloc, id: h, ioas: c}
)";

int64_t run_fails(const std::string& steps) {
  return failures(std::string(kContainer) + steps);
}

std::string load_error(const std::string& y) {
  try {
    ConfigDoc doc = ConfigDoc::from_string(std::string(kMem) + y, "h.yaml");
    ConfigReader r = doc.root();
    load_host_config(r, {"nic0"});
    doc.check_unknown_keys();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(none)";
}
}  // namespace

TEST_CASE("vfio map: EINVAL for no permission, size 0, misalignment, wrap, EEXIST, reserved") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, length: 4KiB, prot: none, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, length: 0, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x200800, user: guest, length: 4KiB, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, length: 0x800, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, offset: 0x800, length: 4KiB, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0xfffffffffffff000, user: guest, length: 8KiB, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x10f000, user: guest, length: 8KiB, expect: EEXIST}
  - {op: vfio_map_dma, ioas: c, iova: 0xff000, user: guest, length: 8KiB, expect: EEXIST}
  - {op: vfio_map_dma, ioas: c, iova: 0x1000000000000, user: guest, length: 4KiB, expect: EINVAL}
  - {op: vfio_map_dma, ioas: c, iova: 0x300000, user: ro, length: 4KiB, expect: EFAULT}
  - {op: vfio_map_dma, ioas: c, iova: 0x300000, user: ro, length: 4KiB, prot: r}
  - {op: vfio_map_dma, ioas: c, iova: 0x110000, user: guest, offset: 64KiB, length: 4KiB}
)") == 0);
}

TEST_CASE("vfio map: the dma_entry_limit is ENOSPC") {
  IoptRig t;
  VfioType1 v(t.iopt, true, 2);
  CHECK(t.run(v.map_dma(t.drv, t.vmm, 0x1000, t.va, 4096, true, true)) == Errno::Ok);
  CHECK(t.run(v.map_dma(t.drv, t.vmm, 0x2000, t.va + 4096, 4096, true, true)) == Errno::Ok);
  CHECK(t.run(v.map_dma(t.drv, t.vmm, 0x3000, t.va + 8192, 4096, true, true)) == Errno::Enospc);
  CHECK(t.run(v.map_dma(t.drv, t.vmm, 0x1000, t.va, 4096, true, true)) == Errno::Eexist);
}

TEST_CASE("vfio dirty_pages: EACCES on v1, EINVAL for no flag, two flags or a short argsz") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: v1}
  - {op: vfio_set_iommu, ioas: v1, type: type1}
  - {op: ioas_alloc, id: c}
  - {op: vfio_set_iommu, ioas: c}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: v1, flags: [start], expect: EACCES}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [], expect: EINVAL}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [start, stop], expect: EINVAL}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [start], argsz: 7, expect: EINVAL}
  - {at: 5us, op: vfio_dirty_pages, ioas: c, flags: [stop]}
  - {at: 6us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 7us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 8us, op: vfio_dirty_pages, ioas: c, flags: [stop]}
  - {at: 9us, op: vfio_dirty_pages, ioas: c, flags: [stop]}
)") == 0);
}

TEST_CASE("vfio get_bitmap: EINVAL for each bad size, granule, range and with tracking off") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 1MiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, expect: EINVAL}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, argsz: 47, expect: EINVAL}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, page_size: 8KiB, expect: EINVAL}
  - {at: 5us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, page_size: 2KiB, expect: EINVAL}
  - {at: 6us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, page_size: 0, expect: EINVAL}
  - {at: 7us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100800, length: 1MiB, expect: EINVAL}
  - {at: 8us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 0, expect: EINVAL}
  - {at: 9us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 0x1800, expect: EINVAL}
  - {at: 10us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, bitmap_size: 24, expect: EINVAL}
  - {at: 11us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, bitmap_size: 0, expect: EINVAL}
  - {at: 12us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, bitmap_size: 0x10000001, expect: EINVAL}
  - {at: 13us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0xfffffffffff00000, length: 1MiB, expect: EINVAL}
  - {at: 14us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, bitmap_size: 0x10000000, expect_dirty: []}
  - {at: 15us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB, expect_dirty: []}
)") == 0);
}

TEST_CASE("vfio get_bitmap: an IOMMU-backed device makes every mapped page dirty on every read") {
  HostRig rig(std::string(kMem) + kContainer + R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 12KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: huge, length: 2MiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0, length: 4MiB,
     expect_dirty: ["0x100000+0x3000", "0x200000+0x200000"]}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0, length: 4MiB,
     expect_dirty: ["0x100000+0x3000", "0x200000+0x200000"]}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x200000, length: 2MiB,
     expect_dirty: ["0x200000+0x200000"]}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.vfio.bitmap_reads") == 3);
  CHECK(rig.stat("host.vfio.bits_reported") == 2 * (3 + 512) + 512);
  // 2 MiB at 4 KiB is 512 bits: 8 words; 12 KiB is one word.
  CHECK(rig.stat("host.vfio.bitmap_words") == 2 * (1 + 8) + 8);
}

TEST_CASE("vfio get_bitmap: a wrong expect_dirty fails the step") {
  CHECK(run_fails(R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 12KiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 12KiB,
     expect_dirty: ["0x100000+0x2000"]}
)") == 1);
}

TEST_CASE("vfio get_bitmap: without an IOMMU-backed device only pinned and rw-written pages") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 1MiB}
  - {op: vfio_pin_pages, ioas: c, iova: 0x101000, pages: 2}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dma_rw, ioas: c, iova: 0x110800, length: 0x1000}
  - {at: 3us, op: vfio_dma_rw, ioas: c, iova: 0x120000, length: 0x1000, write: false}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB,
     expect_dirty: ["0x101000+0x2000", "0x110000+0x2000"]}
  - {at: 5us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB,
     expect_dirty: ["0x101000+0x2000"]}
  - {at: 6us, op: vfio_unpin_pages, ioas: c, iova: 0x102000, pages: 1}
  - {at: 7us, op: vfio_pin_pages, ioas: c, iova: 0x180000, pages: 1}
  - {at: 8us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB,
     expect_dirty: ["0x101000+0x2000", "0x180000+0x1000"]}
  - {at: 9us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB,
     expect_dirty: ["0x101000+0x1000", "0x180000+0x1000"]}
)") == 0);
}

TEST_CASE("vfio get_bitmap: a bisected mapping is EINVAL, holes keep the user's bits") {
  CHECK(run_fails(R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, offset: 1MiB, length: 64KiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x101000, length: 0x1ff000, expect: EINVAL}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 0x101000, expect: EINVAL}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 0x110000,
     bitmap_prefill: ["0x180000+0x2000"],
     expect_dirty: ["0x100000+0x10000", "0x180000+0x2000", "0x200000+0x10000"]}
)") == 0);
}

TEST_CASE("vfio get_bitmap: whole u64 words, the first OR-merged, the last's tail cleared") {
  // Bits at 4 KiB from IOVA 0: mapping A is bits 0-2, B bits 69-70 (word 1, shift 5).
  // A's word 0 is written whole: the user's bits 3, 4 and 10 go; B keeps the user's
  // bits 64-68 of word 1 and writes its own to 127; word 2 (bit 130) is not touched.
  CHECK(run_fails(R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0, user: guest, length: 12KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x45000, user: guest, offset: 1MiB, length: 8KiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0, length: 0x100000,
     bitmap_prefill: ["0x3000+0x2000", "0xa000+0x1000", "0x40000+0x2000", "0x44000+0x1000",
                      "0x47000+0x1000", "0x82000+0x1000"],
     expect_dirty: ["0+0x3000", "0x40000+0x2000", "0x44000+0x3000", "0x82000+0x1000"]}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0, length: 0x100000,
     bitmap_offset: 4081,
     expect_dirty: ["0+0x3000", "0x45000+0x2000"]}
)") == 0);
}

TEST_CASE(
    "vfio unmap with the dirty bitmap: bits relative to the unmap IOVA, then the mapping goes") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x110000, user: guest, offset: 64KiB, length: 64KiB}
  - {op: vfio_pin_pages, ioas: c, iova: 0x112000, pages: 1}
steps:
  - {at: 1us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 64KiB, flags: [get_dirty_bitmap], expect: EINVAL}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 3us, op: vfio_dma_rw, ioas: c, iova: 0x10f000, length: 0x2000}
  - {at: 4us, op: vfio_unmap_dma, ioas: c, flags: [get_dirty_bitmap, all], expect: EINVAL}
  - {at: 5us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 128KiB, flags: [get_dirty_bitmap], argsz: 47, expect: EINVAL}
  - {at: 6us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 128KiB, flags: [get_dirty_bitmap], page_size: 8KiB, expect: EINVAL}
  - {at: 7us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 128KiB, flags: [get_dirty_bitmap], bitmap_size: 0, expect: EINVAL}
  - {at: 8us, op: vfio_unmap_dma, ioas: c, iova: 0x110000, length: 64KiB, flags: [get_dirty_bitmap],
     expect_length: 64KiB, expect_dirty: ["0x110000+0x1000", "0x112000+0x1000"]}
  - {at: 9us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 128KiB, flags: [get_dirty_bitmap],
     expect_length: 64KiB, expect_dirty: ["0x10f000+0x1000"]}
  - {at: 10us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 128KiB, expect_dirty: []}
)") == 0);
}

TEST_CASE("vfio unmap v2: a bisected mapping is EINVAL, an empty range is success with size 0") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: guest, offset: 64KiB, length: 64KiB}
steps:
  - {at: 1us, op: vfio_unmap_dma, ioas: c, iova: 0x104000, length: 4KiB, expect: EINVAL}
  - {at: 2us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 4KiB, expect: EINVAL}
  - {at: 3us, op: vfio_unmap_dma, ioas: c, iova: 0x100800, length: 4KiB, expect: EINVAL}
  - {at: 4us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 0, expect: EINVAL}
  - {at: 5us, op: vfio_unmap_dma, ioas: c, iova: 0xfffffffffffff000, length: 8KiB, expect: EINVAL}
  - {at: 6us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 4KiB, argsz: 23, expect: EINVAL}
  - {at: 7us, op: vfio_unmap_dma, ioas: c, iova: 0x400000, length: 4KiB, expect_length: 0}
  - {at: 8us, op: vfio_unmap_dma, ioas: c, flags: [all], iova: 0x1000, expect: EINVAL}
  - {at: 9us, op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 2MiB, expect_length: 128KiB}
  - {at: 10us, op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {at: 11us, op: vfio_unmap_dma, ioas: c, flags: [all], expect_length: 64KiB}
)") == 0);
}

TEST_CASE("vfio type1 v1: unmap cuts any page-aligned sub-range (iommufd's emulation)") {
  CHECK(failures(R"(
setup:
  - {op: ioas_alloc, id: c}
  - {op: vfio_set_iommu, ioas: c, type: type1}
  - {op: hwpt_alloc, id: h, ioas: c}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: huge, length: 4MiB}
steps:
  - {at: 1us, op: vfio_unmap_dma, ioas: c, iova: 0x204000, length: 8KiB, expect_length: 8KiB}
  - {at: 2us, op: vfio_unmap_dma, ioas: c, iova: 0x204000, length: 8KiB, expect_length: 0}
  - {at: 3us, op: vfio_pin_pages, ioas: c, iova: 0x200000, pages: 1, expect: EACCES}
  - {at: 4us, op: vfio_unmap_dma, ioas: c, iova: 0x200000, length: 4MiB, expect_length: 0x3fe000}
)") == 0);
}

TEST_CASE("vfio pin_pages: E2BIG, EINVAL outside a mapping, EPERM, a failed call unpins") {
  HostRig rig(std::string(kMem) + kContainer + R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 16KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: ro, length: 16KiB, prot: r}
steps:
  - {at: 1us, op: vfio_pin_pages, ioas: c, iova: 0x100000, pages: 513, expect: E2BIG}
  - {at: 2us, op: vfio_pin_pages, ioas: c, iova: 0x100000, pages: 0, expect: EINVAL}
  - {at: 3us, op: vfio_pin_pages, ioas: c, iova: 0x102000, pages: 3, expect: EINVAL}
  - {at: 4us, op: vfio_pin_pages, ioas: c, iova: 0x200000, pages: 1, expect: EPERM}
  - {at: 5us, op: vfio_pin_pages, ioas: c, iova: 0x200000, pages: 1, prot: r}
  - {at: 6us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 7us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 0x104000,
     expect_dirty: ["0x200000+0x1000"]}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
}

TEST_CASE("vfio dirty: START pre-populates pins, STOP forgets, a map while tracking starts clean") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
  - {op: vfio_pin_pages, ioas: c, iova: 0x104000, pages: 1}
steps:
  - {at: 1us, op: vfio_dma_rw, ioas: c, iova: 0x108000, length: 4KiB}
  - {at: 2us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 3us, op: vfio_map_dma, ioas: c, iova: 0x110000, user: guest, offset: 64KiB, length: 64KiB}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 128KiB,
     expect_dirty: ["0x104000+0x1000"]}
  - {at: 5us, op: vfio_dma_rw, ioas: c, iova: 0x118000, length: 4KiB}
  - {at: 6us, op: vfio_dirty_pages, ioas: c, flags: [stop]}
  - {at: 7us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 8us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 128KiB,
     expect_dirty: ["0x104000+0x1000"]}
)") == 0);
}

TEST_CASE("vfio: detaching the IOMMU-backed device while tracking marks everything dirty once") {
  CHECK(run_fails(R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 64KiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: detach, device: nic0}
  - {at: 3us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 64KiB,
     expect_dirty: ["0x100000+0x10000"]}
  - {at: 4us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 64KiB,
     expect_dirty: []}
)") == 0);
}

TEST_CASE("vfio dma_rw: EINVAL at a hole, EPERM for a write to a read-only mapping") {
  CHECK(run_fails(R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 8KiB}
  - {op: vfio_map_dma, ioas: c, iova: 0x102000, user: ro, length: 4KiB, prot: r}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 2us, op: vfio_dma_rw, ioas: c, iova: 0x101000, length: 8KiB, expect: EPERM}
  - {at: 3us, op: vfio_dma_rw, ioas: c, iova: 0x102000, length: 4KiB, write: false}
  - {at: 4us, op: vfio_dma_rw, ioas: c, iova: 0x100000, length: 0, expect: EINVAL}
  - {at: 5us, op: vfio_dma_rw, ioas: c, iova: 0x103000, length: 4KiB, expect: EINVAL}
  - {at: 6us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 12KiB,
     expect_dirty: ["0x101000+0x1000"]}
)") == 0);
}

TEST_CASE("vfio: DMA through the IOMMU sets D bits that type1 never reads") {
  HostRig rig(std::string(kMem) + kContainer + R"(
  - {op: attach, device: nic0, hwpt: h}
  - {op: vfio_map_dma, ioas: c, iova: 0x200000, user: huge, length: 4MiB}
steps:
  - {at: 1us, op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {at: 20us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x200000, length: 4MiB,
     page_size: 2MiB, expect: EINVAL}
  - {at: 21us, op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x200000, length: 4MiB,
     expect_dirty: ["0x200000+0x400000"]}
)");
  rig.write_at(10 * kUs, 0x212340);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.vfio.bits_reported") == 1024);
  CHECK(rig.stat("host.dirty.ptes_visited") == 0);  // no page-table walk at all
}

TEST_CASE("vfio host config: containers, flags and bitmap keys are checked before anything runs") {
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_map_dma, ioas: a, iova: 0, "
                   "user: guest, length: 4KiB}]")
            .find("is no VFIO container") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}, "
                   "{op: vfio_dirty_pages, ioas: a, flags: [begin]}]")
            .find("unknown flag 'begin' (expected start, stop, get_bitmap)") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}, "
                   "{op: vfio_dirty_pages, ioas: a}]")
            .find("setup[2].flags") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}, "
                   "{op: vfio_dirty_pages, ioas: a, flags: [start], iova: 0}]")
            .find("unknown key 'iova'") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}, "
                   "{op: vfio_unmap_dma, ioas: a, iova: 0, length: 4KiB, page_size: 4KiB}]")
            .find("unknown key 'page_size'") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}, "
                   "{op: vfio_set_iommu, ioas: a}]")
            .find("is a VFIO container already") != std::string::npos);
}

TEST_CASE("migrate with tracker type1 reads the container: pinned pages only without a device") {
  HostRig rig(std::string(kMem) + kContainer + R"(
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, length: 1MiB}
  - {op: vfio_pin_pages, ioas: c, iova: 0x104000, pages: 2}
steps:
  - {at: 1us, op: migrate, ioas: c, tracker: type1, downtime_limit: 1us}
)");
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("migration.pages_copied") == 256 + 2);  // round 0, then the pinned pair
  CHECK(rig.stat("host.vfio.bitmap_reads") == 2);        // round 1 (within budget), the final
  CHECK(rig.stat("host.vfio.bits_reported") == 2 * 2);
}

TEST_CASE("migrate with tracker type1 needs a container and the 4 KiB granule") {
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}]\nsteps: [{at: 1us, op: migrate, ioas: a, "
                   "tracker: type1}]")
            .find("tracker: type1 needs IOAS 'a' to be a VFIO container") != std::string::npos);
  CHECK(load_error("setup: [{op: ioas_alloc, id: a}, {op: vfio_set_iommu, ioas: a}]\nsteps: "
                   "[{at: 1us, op: migrate, ioas: a, tracker: type1, page_size: 2MiB}]")
            .find("4KiB") != std::string::npos);
}
