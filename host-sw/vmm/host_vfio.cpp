// The host's VFIO type1 ioctls (iommufd-semantics §5), a second front end over the
// IOAS: each finds its container, sets up the user's bitmap where the call has one,
// hands over to the container, and compares what the call returned and wrote with
// what the scenario expects (`detail` says how it differs).
#include <algorithm>

#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/vmm/host.h"

namespace sim {

void Host::register_vfio_stats() {
  // Only runs with a container have them, so every other run keeps its stats.
  bool any = false;
  for (const auto* list : {&c_.setup, &c_.steps})
    for (const HostOp& op : *list) any |= op.op == "vfio_set_iommu";
  if (!any) return;
  vfio_reads_ = &env_.stats.counter("host.vfio.bitmap_reads", "count",
                                    "VFIO type1 bitmap copy-outs (GET_BITMAP, unmap)");
  vfio_words_ = &env_.stats.counter("host.vfio.bitmap_words", "count",
                                    "u64 words VFIO type1 wrote to user bitmaps");
  vfio_bits_ =
      &env_.stats.counter("host.vfio.bits_reported", "count", "dirty bits VFIO type1 reported");
}

Errno Host::vfio_bitmap(const HostOp& op, Type1Bitmap& bm, uint64_t& bytes) {
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
  for (const Range& r : op.bitmap_prefill)
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

Task<> Host::vfio_bitmap_done(const HostOp& op, const VfioType1& v, const Type1Bitmap& bm,
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
  HostOp call;
  call.op = "vfio_dirty_pages";
  call.ioas = ioas;
  call.vfio_flags = flags;
  call.iova = iova;
  call.length = length;
  std::string detail;
  co_await cpu_.charge(cpu_.cost().syscall);
  co_return co_await vfio_op(call, detail, reported);
}

Task<Errno> Host::vfio_op(const HostOp& op, std::string& detail, std::vector<Range>* reported) {
  auto io = ioas_.find(op.ioas);
  if (io == ioas_.end()) co_return Errno::Enoent;
  IoPagetable& iopt = io->second->iopt;
  const std::string& o = op.op;
  if (o == "vfio_set_iommu") {
    if (vfio_.count(op.ioas)) co_return Errno::Ebusy;
    // v1 is emulated as iommufd's compat layer does: no large pages, so unmap can cut.
    if (!op.type1_v2)
      if (Errno e = iopt.set_huge_pages(0); e != Errno::Ok) co_return e;
    vfio_[op.ioas] = std::make_unique<VfioType1>(iopt, op.type1_v2);
    co_return Errno::Ok;
  }
  auto c = vfio_.find(op.ioas);
  if (c == vfio_.end()) co_return Errno::Einval;  // its vfio_set_iommu failed
  VfioType1& v = *c->second;
  // A device attached to a HWPT of the container's IOAS is IOMMU-backed and cannot
  // say what it wrote.
  bool backed = false;
  for (const auto& [dev, hwpt] : attached_) backed |= hwpts_[hwpt].ioas == op.ioas;
  if (o == "vfio_map_dma") {
    const VmmMapping* m = vmm_.find(op.user);
    if (!m) co_return Errno::Efault;
    co_return co_await v.map_dma(drv_, vmm_, op.iova, m->va + op.offset, op.length, op.r, op.w);
  }
  if (o == "vfio_pin_pages") co_return v.pin_pages(op.iova, op.pages, op.r, op.w);
  if (o == "vfio_unpin_pages") {
    v.unpin_pages(op.iova, op.pages);
    co_return Errno::Ok;
  }
  if (o == "vfio_dma_rw") co_return v.dma_rw(op.iova, op.length, op.write);
  const bool unmap = o == "vfio_unmap_dma";
  const bool with_bitmap =
      op.vfio_flags & (unmap ? vfio::kUnmapGetDirtyBitmap : vfio::kDirtyGetBitmap);
  Type1Bitmap bm;
  uint64_t bytes = 0;
  if (with_bitmap)
    if (Errno e = vfio_bitmap(op, bm, bytes); e != Errno::Ok) co_return e;
  Errno e;
  if (unmap) {
    VfioType1::Unmap u;
    u.argsz = op.argsz.value_or(with_bitmap ? vfio::kUnmapBitmapArgsz : vfio::kUnmapMinsz);
    u.flags = op.vfio_flags;
    u.iova = op.iova;
    u.size = op.length;
    u.bitmap = with_bitmap ? &bm : nullptr;
    u.iommu_backed = backed;
    uint64_t unmapped = 0;
    e = co_await v.unmap_dma(drv_, u, unmapped);
    if (e == Errno::Ok && op.expect_length && *op.expect_length != unmapped)
      detail = "expected length " + hex(*op.expect_length) + ", got " + hex(unmapped);
  } else {
    VfioType1::Dirty d;
    d.argsz = op.argsz.value_or(with_bitmap ? vfio::kDirtyGetArgsz : vfio::kDirtyMinsz);
    d.flags = op.vfio_flags;
    d.iova = op.iova;
    d.size = op.length;
    d.bitmap = with_bitmap ? &bm : nullptr;
    d.iommu_backed = backed;
    e = v.dirty_pages(d);
  }
  if (e == Errno::Ok && with_bitmap) co_await vfio_bitmap_done(op, v, bm, bytes, detail, reported);
  co_return e;
}

}  // namespace sim
