// What the VFIO type1 operations (ops/vfio_*.cpp) and the
// migration's type1 tracker share: the container lookup, the user's bitmap of a read
// and its copy-out, and DIRTY_PAGES itself.
#include <algorithm>

#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/iommufd/vfio_type1.h"
#include "host-sw/vmm/host.h"

namespace sim {

void Host::enable_vfio_stats() {
  if (vfio_reads_) return;
  vfio_reads_ = &env_.stats.counter("host.vfio.bitmap_reads", "count",
                                    "VFIO type1 bitmap copy-outs (GET_BITMAP, unmap)");
  vfio_words_ = &env_.stats.counter("host.vfio.bitmap_words", "count",
                                    "u64 words VFIO type1 wrote to user bitmaps");
  vfio_bits_ =
      &env_.stats.counter("host.vfio.bits_reported", "count", "dirty bits VFIO type1 reported");
}

Errno Host::vfio_bitmap(const VfioBitmapArgs& op, Type1Bitmap& bm, uint64_t& bytes) {
  bm.vmm = &vmm_;
  bm.mem = &env_.memory;
  bm.pgsize = op.page_size;
  const uint64_t granule = op.page_size & -op.page_size;  // the kernel's __ffs
  const uint64_t needed = granule ? vfio::bitmap_bytes(op.length / granule) : 0;
  bm.size = op.bitmap_size.value_or(needed);
  // The kernel touches at most the words of the range, and nothing when it refuses
  // the sizes: only those bytes need to exist.
  bytes = std::min(bm.size, needed);
  if (bytes == 0 || bm.size > vfio::kBitmapSizeMax) {
    bytes = 0;
    return Errno::Ok;
  }
  const uint64_t base = scratch_bitmap(bytes + op.bitmap_offset);
  if (!base) return Errno::Enomem;
  bm.va = base + op.bitmap_offset;
  for (uint64_t i = 0; i < bytes; ++i) {
    const uint8_t z = 0;
    env_.memory.write(*vmm_.pa(bm.va + i), &z, 1);
  }
  // What the VMM left in its buffer: the kernel never clears a hole's bits.
  for (const Range& r : op.prefill)
    for (uint64_t at = std::max(r.start, op.iova); at < r.end(); at += granule) {
      const uint64_t bit = (at - op.iova) / granule;
      if (bit / 8 >= bytes) break;
      const uint64_t pa = *vmm_.pa(bm.va + bit / 8);
      uint8_t v = 0;
      env_.memory.read(pa, &v, 1);
      v |= uint8_t(1u << (bit % 8));
      env_.memory.write(pa, &v, 1);
    }
  return Errno::Ok;
}

Task<> Host::vfio_bitmap_done(const VfioBitmapArgs& op, const VfioType1& v, const Type1Bitmap& bm,
                              uint64_t bytes, std::string& detail, std::vector<Range>* reported) {
  ++*vfio_reads_;
  *vfio_words_ += v.last_words();
  *vfio_bits_ += v.last_bits();
  // The copy-out is whole u64 words.
  const Ps bitmap = v.last_words() * 8 * cpu_.cost().bitmap_write;
  if (!cpu_.free()) drv_.accounts().bitmap += bitmap;
  co_await cpu_.charge(bitmap);
  if (env_.trace.enabled())
    env_.trace.record(
        cpu_.now(), "host", "vfio_bitmap",
        {TraceField::hex("iova", op.iova), TraceField::hex("length", op.length),
         TraceField::dec("words", v.last_words()), TraceField::dec("bits", v.last_bits())});
  if (!op.expect_dirty && !reported) co_return;
  std::vector<Range> have = bitmap_ranges(vmm_, env_.memory, bm.va, bytes, op.iova, bm.pgsize);
  if (op.expect_dirty && detail.empty()) detail = dirty_mismatch(*op.expect_dirty, have);
  if (reported) *reported = std::move(have);
}

Task<Errno> Host::vfio_call(const std::string& ioas, uint32_t flags, uint64_t iova, uint64_t length,
                            std::vector<Range>* reported) {
  VfioDirtyArgs call;
  call.ioas = ioas;
  call.flags = flags;
  call.bitmap.iova = iova;
  call.bitmap.length = length;
  std::string detail;
  co_await cpu_.charge(cpu_.cost().syscall);
  co_return co_await vfio_dirty_pages(call, detail, reported);
}

Errno Host::find_container(const std::string& ioas, VfioType1*& v) {
  if (!ioas_.count(ioas)) return Errno::Enoent;
  auto c = vfio_.find(ioas);
  if (c == vfio_.end()) return Errno::Einval;  // its vfio_set_iommu failed
  v = c->second.get();
  return Errno::Ok;
}

bool Host::iommu_backed(const std::string& ioas) {
  bool backed = false;
  for (const auto& [dev, hwpt] : attached_) backed |= hwpts_[hwpt].ioas == ioas;
  return backed;
}

Task<Errno> Host::vfio_dirty_pages(const VfioDirtyArgs& a, std::string& detail,
                                   std::vector<Range>* reported) {
  VfioType1* v = nullptr;
  if (Errno e = find_container(a.ioas, v); e != Errno::Ok) co_return e;
  const bool with_bitmap = a.flags & vfio::kDirtyGetBitmap;
  Type1Bitmap bm;
  uint64_t bytes = 0;
  if (with_bitmap)
    if (Errno e = vfio_bitmap(a.bitmap, bm, bytes); e != Errno::Ok) co_return e;
  VfioType1::Dirty d;
  d.argsz = a.argsz.value_or(with_bitmap ? vfio::kDirtyGetArgsz : vfio::kDirtyMinsz);
  d.flags = a.flags;
  d.iova = a.bitmap.iova;
  d.size = a.bitmap.length;
  d.bitmap = with_bitmap ? &bm : nullptr;
  d.iommu_backed = iommu_backed(a.ioas);
  const Errno e = v->dirty_pages(d);
  if (e == Errno::Ok && with_bitmap)
    co_await vfio_bitmap_done(a.bitmap, *v, bm, bytes, detail, reported);
  co_return e;
}

}  // namespace sim
