#pragma once
// A VFIO type1 container as a second front end over an IOAS:
// MAP_DMA / UNMAP_DMA become areas of the IOAS's io_pagetable (one vfio_dma per
// area), and the dirty-page API has no hardware D bits. "Dirty" means "possibly
// written": with an IOMMU-backed device attached every mapped page is dirty on every
// read; otherwise the pages pinned through vfio_pin_pages are, plus those written
// through vfio_dma_rw since the last read. Only the smallest IOMMU page size is a
// valid bitmap granule, the user bitmap is written in whole u64 words (the first one
// OR-merged), and a read or unmap may not bisect a mapping. Each call returns the
// kernel's errno, checked in the kernel's order.
#include <cstdint>
#include <map>
#include <vector>

#include "host-sw/iommufd/io_pagetable.h"
#include "models/memory/sparse_memory.h"

namespace sim {

namespace vfio {
// uAPI flag bits (VFIO_IOMMU_DIRTY_PAGES_FLAG_*, VFIO_DMA_UNMAP_FLAG_*).
constexpr uint32_t kDirtyStart = 1, kDirtyStop = 2, kDirtyGetBitmap = 4;
constexpr uint32_t kUnmapGetDirtyBitmap = 1, kUnmapAll = 2;
// Struct sizes the kernel compares argsz with: the dirty-pages header (argsz, flags),
// plus its GET_BITMAP payload (iova, size, vfio_bitmap{pgsize, size, data}); the
// unmap struct up to `size`, plus a vfio_bitmap.
constexpr uint32_t kDirtyMinsz = 8, kDirtyGetArgsz = 8 + 40;
constexpr uint32_t kUnmapMinsz = 24, kUnmapBitmapArgsz = 24 + 24;
constexpr uint64_t kBitmapSizeMax = 256ull << 20;  // DIRTY_BITMAP_SIZE_MAX
constexpr uint64_t kPinMax = 512;                  // VFIO_PIN_PAGES_MAX_ENTRIES
constexpr uint64_t kDmaEntryLimit = 65535;         // the dma_entry_limit default
// DIRTY_BITMAP_BYTES: whole u64 words for `npages` bits.
constexpr uint64_t bitmap_bytes(uint64_t npages) {
  return (npages + 63) / 64 * 8;
}
}  // namespace vfio

// The VMM's bitmap of one call: `size` bytes (as declared to the kernel) at a user VA;
// the kernel reads and writes it in little-endian u64 words.
struct Type1Bitmap {
  const VmmMemory* vmm = nullptr;
  SparseMemory* mem = nullptr;
  uint64_t va = 0, size = 0, pgsize = 4096;
  uint64_t read_word(uint64_t k) const;
  void write_word(uint64_t k, uint64_t v) const;
};

class VfioType1 {
 public:
  // `v2`: VFIO_TYPE1v2_IOMMU; v1 (VFIO_TYPE1_IOMMU) is emulated as iommufd's compat
  // layer does, with large pages off so unmap can cut areas.
  VfioType1(IoPagetable& iopt, bool v2, uint64_t dma_entry_limit = vfio::kDmaEntryLimit);

  bool v2() const { return v2_; }
  bool tracking() const { return tracking_; }
  // The container's smallest IOMMU page size (rounded up to PS): 4 KiB here.
  static constexpr uint64_t min_page_size() { return 4096; }

  // MAP_DMA: EINVAL (no permission, size 0, iova/size/vaddr not page-aligned, wraps),
  // EEXIST (meets a mapping), ENOSPC (dma_entry_limit), then the IOAS's map (EINVAL
  // outside the valid IOVA ranges, EFAULT / ENOMEM while pinning).
  Task<Errno> map_dma(IommuDriver& drv, const VmmMemory& vmm, uint64_t iova, uint64_t vaddr,
                      uint64_t size, bool r, bool w);
  struct Unmap {
    uint32_t argsz = vfio::kUnmapMinsz, flags = 0;
    uint64_t iova = 0, size = 0;
    const Type1Bitmap* bitmap = nullptr;  // with kUnmapGetDirtyBitmap
    bool iommu_backed = false;            // an IOMMU-backed device is attached
  };
  // UNMAP_DMA; `unmapped` is the size the kernel returns. v2 refuses to bisect a
  // mapping (EINVAL) and a range with no mapping is success with size 0; with the
  // dirty bitmap each mapping's bits are copied out before it goes.
  Task<Errno> unmap_dma(IommuDriver& drv, const Unmap& u, uint64_t& unmapped);
  struct Dirty {
    uint32_t argsz = vfio::kDirtyMinsz, flags = 0;
    uint64_t iova = 0, size = 0;
    const Type1Bitmap* bitmap = nullptr;  // GET_BITMAP
    bool iommu_backed = false;
  };
  // VFIO_IOMMU_DIRTY_PAGES: START, STOP or GET_BITMAP (exactly one).
  Errno dirty_pages(const Dirty& d);
  // vfio_pin_pages / vfio_unpin_pages of an emulated (mdev) device: EINVAL (none),
  // E2BIG (over 512 pages), EACCES (v1), EINVAL (a page outside every mapping), EPERM
  // (the mapping lacks the permission); a failed call unpins what it pinned.
  Errno pin_pages(uint64_t iova, uint64_t npages, bool r, bool w);
  void unpin_pages(uint64_t iova, uint64_t npages);
  // vfio_dma_rw: the emulated device's access through the container: EINVAL (length 0,
  // a hole), EPERM (no read permission, or a write to a read-only mapping); a write
  // while tracking marks its pages dirty (chunks before an error stay marked).
  Errno dma_rw(uint64_t iova, uint64_t length, bool write);
  // An IOMMU-backed device left: while tracking, every mapping becomes fully dirty
  // (nothing says what it wrote).
  void device_detached();

  // Of the last bitmap copy-out: u64 words written and bits reported.
  uint64_t last_words() const { return last_words_; }
  uint64_t last_bits() const { return last_bits_; }
  // Pages pinned through pin_pages (each counted once).
  uint64_t pinned_pages() const;

 private:
  // Per vfio_dma (keyed by its IOVA, the area's): its dirty bitmap while tracking, in
  // min_page_size() bits, and the pages an emulated device pinned (page -> count).
  struct DmaState {
    std::vector<uint64_t> bits;
    std::map<uint64_t, unsigned> pins;
  };
  static Errno verify_bitmap_size(uint64_t npages, uint64_t bytes);
  // EINVAL when a mapping contains iova without starting there, or contains
  // iova+size-1 without ending there.
  Errno check_not_bisected(uint64_t iova, uint64_t size) const;
  // Shifts the mapping's bits to their place relative to `base`, keeps the user's low
  // bits of the first word, writes whole words; then resets the bits to the pinned
  // pages (rw-written pages are reported once).
  void copy_out(const IoptArea& a, DmaState& s, const Type1Bitmap& bm, uint64_t base, bool full);
  void populate(const IoptArea& a, DmaState& s) const;  // the bits of the pinned pages
  void set_bit(uint64_t page_iova);
  Errno start();
  Errno get_bitmap(const Dirty& d);

  IoPagetable& iopt_;
  bool v2_;
  uint64_t dma_entry_limit_;
  bool tracking_ = false;
  std::map<uint64_t, DmaState> state_;
  uint64_t last_words_ = 0, last_bits_ = 0;
};

}  // namespace sim
