#include "host-sw/iommufd/vfio_type1.h"

#include <algorithm>
#include <climits>

namespace sim {

namespace {
constexpr uint64_t kPage = VfioType1::min_page_size();
constexpr unsigned kShift = 12;
uint64_t words_for(uint64_t bits) {
  return (bits + 63) / 64;
}
}  // namespace

uint64_t Type1Bitmap::read_word(uint64_t k) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) {
    uint8_t b = 0;
    mem->read(*vmm->pa(va + k * 8 + i), &b, 1);
    v |= uint64_t(b) << (8 * i);
  }
  return v;
}

void Type1Bitmap::write_word(uint64_t k, uint64_t v) const {
  for (unsigned i = 0; i < 8; ++i) {
    const uint8_t b = uint8_t(v >> (8 * i));
    mem->write(*vmm->pa(va + k * 8 + i), &b, 1);
  }
}

VfioType1::VfioType1(IoPagetable& iopt, bool v2, uint64_t dma_entry_limit)
    : iopt_(iopt), v2_(v2), dma_entry_limit_(dma_entry_limit) {}

Task<Errno> VfioType1::map_dma(IommuDriver& drv, const VmmMemory& vmm, uint64_t iova,
                               uint64_t vaddr, uint64_t size, bool r, bool w) {
  if ((!r && !w) || size == 0 || ((size | iova | vaddr) & (kPage - 1))) co_return Errno::Einval;
  if (iova + (size - 1) < iova || vaddr + (size - 1) < vaddr) co_return Errno::Einval;
  const uint64_t last = iova + (size - 1);
  const auto& areas = iopt_.areas();
  if (auto it = areas.upper_bound(last);
      it != areas.begin() && std::prev(it)->second.last() >= iova)
    co_return Errno::Eexist;
  if (areas.size() >= dma_entry_limit_) co_return Errno::Enospc;
  uint64_t placed = 0;
  Errno e = co_await iopt_.map(drv, vmm, iova, vaddr, size, r, w, placed);
  if (e != Errno::Ok) co_return e;
  // A mapping made while tracking gets its (clean) bitmap too.
  DmaState& s = state_[iova] = DmaState{};
  if (tracking_) s.bits.assign(words_for(size >> kShift), 0);
  co_return Errno::Ok;
}

Errno VfioType1::verify_bitmap_size(uint64_t npages, uint64_t bytes) {
  if (npages == 0 || bytes == 0 || bytes > vfio::kBitmapSizeMax) return Errno::Einval;
  return bytes < vfio::bitmap_bytes(npages) ? Errno::Einval : Errno::Ok;
}

Errno VfioType1::check_not_bisected(uint64_t iova, uint64_t size) const {
  if (const IoptArea* a = iopt_.area_at(iova); a && a->iova != iova) return Errno::Einval;
  const uint64_t last = iova + (size - 1);
  if (const IoptArea* a = iopt_.area_at(last); a && a->last() != last) return Errno::Einval;
  return Errno::Ok;
}

Task<Errno> VfioType1::unmap_dma(IommuDriver& drv, const Unmap& u, uint64_t& unmapped) {
  unmapped = 0;
  last_words_ = last_bits_ = 0;
  const bool all = u.flags & vfio::kUnmapAll;
  const bool dirty = u.flags & vfio::kUnmapGetDirtyBitmap;
  if (u.argsz < vfio::kUnmapMinsz) co_return Errno::Einval;
  if (dirty && all) co_return Errno::Einval;
  if (dirty) {
    if (u.argsz < vfio::kUnmapBitmapArgsz || !u.bitmap || u.bitmap->pgsize == 0)
      co_return Errno::Einval;
    const unsigned pgshift = unsigned(__builtin_ctzll(u.bitmap->pgsize));
    if (Errno e = verify_bitmap_size(u.size >> pgshift, u.bitmap->size); e != Errno::Ok)
      co_return e;
  }
  if (u.iova & (kPage - 1)) co_return Errno::Einval;
  if (all) {
    if (u.iova || u.size) co_return Errno::Einval;
  } else if (u.size == 0 || (u.size & (kPage - 1)) || u.iova + (u.size - 1) < u.iova) {
    co_return Errno::Einval;
  }
  if (dirty && (!tracking_ || u.bitmap->pgsize != kPage)) co_return Errno::Einval;
  if (!v2_) {
    // iommufd's compat emulation of v1: large pages are off, so the range is cut out
    // of its areas first; nothing mapped there is success with size 0.
    Errno e = all ? co_await iopt_.unmap(drv, 0, UINT64_MAX, unmapped)
                  : co_await iopt_.unmap_type1v1(drv, u.iova, u.size, unmapped);
    if (e == Errno::Enoent && unmapped == 0) e = Errno::Ok;
    for (auto it = state_.begin(); it != state_.end();)
      it = iopt_.areas().count(it->first) ? std::next(it) : state_.erase(it);
    co_return e;
  }
  if (!all)
    if (Errno e = check_not_bisected(u.iova, u.size); e != Errno::Ok) co_return e;
  const uint64_t first = all ? 0 : u.iova, last = all ? UINT64_MAX : u.iova + (u.size - 1);
  std::vector<IoptArea> gone;
  for (auto it = iopt_.areas().lower_bound(first); it != iopt_.areas().end() && it->first <= last;
       ++it)
    gone.push_back(it->second);
  const bool full = u.iommu_backed && !iopt_.domains().empty();
  for (const IoptArea& a : gone) {
    // The mapping's bits reach the user before the mapping goes.
    if (dirty) copy_out(a, state_[a.iova], *u.bitmap, u.iova, full);
    uint64_t n = 0;
    if (Errno e = co_await iopt_.unmap(drv, a.iova, a.length, n); e != Errno::Ok) co_return e;
    unmapped += n;
    state_.erase(a.iova);
  }
  co_return Errno::Ok;
}

void VfioType1::copy_out(const IoptArea& a, DmaState& s, const Type1Bitmap& bm, uint64_t base,
                         bool full) {
  const uint64_t nbits = a.length >> kShift;
  const uint64_t bit_offset = (a.iova - base) >> kShift;
  const uint64_t w0 = bit_offset / 64;
  const unsigned shift = unsigned(bit_offset % 64);
  std::vector<uint64_t> src = s.bits;
  src.resize(words_for(nbits), 0);
  if (full) {
    std::fill(src.begin(), src.end(), ~0ull);
    if (nbits % 64) src.back() = (1ull << (nbits % 64)) - 1;
  }
  for (uint64_t v : src) last_bits_ += unsigned(__builtin_popcountll(v));
  const uint64_t count = words_for(nbits + shift);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t out = i < src.size() ? src[i] << shift : 0;
    if (shift && i > 0) out |= src[i - 1] >> (64 - shift);
    // Only the user's bits below the mapping's first bit survive in the first word;
    // the rest of every word written is the mapping's (zeros past its end).
    if (shift && i == 0) out |= bm.read_word(w0) & ((1ull << shift) - 1);
    bm.write_word(w0 + i, out);
  }
  last_words_ += count;
  if (tracking_) populate(a, s);
}

void VfioType1::populate(const IoptArea& a, DmaState& s) const {
  s.bits.assign(words_for(a.length >> kShift), 0);
  for (const auto& [page, n] : s.pins) {
    const uint64_t bit = (page - a.iova) >> kShift;
    s.bits[bit / 64] |= 1ull << (bit % 64);
  }
}

Errno VfioType1::start() {
  if (tracking_) return Errno::Ok;
  for (const auto& [iova, a] : iopt_.areas())
    if ((a.length >> kShift) > uint64_t(INT_MAX)) return Errno::Einval;
  // Pinned pages are dirty from the start.
  for (const auto& [iova, a] : iopt_.areas()) populate(a, state_[iova]);
  tracking_ = true;
  return Errno::Ok;
}

Errno VfioType1::dirty_pages(const Dirty& d) {
  if (!v2_) return Errno::Eacces;
  if (d.argsz < vfio::kDirtyMinsz) return Errno::Einval;
  if (__builtin_popcount(d.flags) != 1) return Errno::Einval;  // none, or more than one
  if (d.flags & vfio::kDirtyStart) return start();
  if (d.flags & vfio::kDirtyStop) {
    tracking_ = false;
    for (auto& [iova, s] : state_) s.bits.clear();
    return Errno::Ok;
  }
  return get_bitmap(d);
}

Errno VfioType1::get_bitmap(const Dirty& d) {
  last_words_ = last_bits_ = 0;
  if (d.argsz < vfio::kDirtyGetArgsz || !d.bitmap) return Errno::Einval;  // the payload fits
  if (d.iova + d.size < d.iova) return Errno::Einval;
  if (d.bitmap->pgsize == 0) return Errno::Einval;
  const unsigned pgshift = unsigned(__builtin_ctzll(d.bitmap->pgsize));
  if (Errno e = verify_bitmap_size(d.size >> pgshift, d.bitmap->size); e != Errno::Ok) return e;
  if (d.bitmap->pgsize != kPage) return Errno::Einval;  // the smallest page size only
  if (d.iova & (kPage - 1)) return Errno::Einval;
  if (d.size == 0 || (d.size & (kPage - 1))) return Errno::Einval;
  if (!tracking_) return Errno::Einval;
  if (Errno e = check_not_bisected(d.iova, d.size); e != Errno::Ok) return e;
  const bool full = d.iommu_backed && !iopt_.domains().empty();
  const uint64_t last = d.iova + (d.size - 1);
  // Holes are skipped: their bits stay as the user left them.
  for (auto it = iopt_.areas().lower_bound(d.iova); it != iopt_.areas().end() && it->first <= last;
       ++it)
    copy_out(it->second, state_[it->first], *d.bitmap, d.iova, full);
  return Errno::Ok;
}

void VfioType1::set_bit(uint64_t page_iova) {
  const IoptArea* a = iopt_.area_at(page_iova);
  if (!a) return;
  DmaState& s = state_[a->iova];
  if (s.bits.empty()) s.bits.assign(words_for(a->length >> kShift), 0);
  const uint64_t bit = (page_iova - a->iova) >> kShift;
  s.bits[bit / 64] |= 1ull << (bit % 64);
}

Errno VfioType1::pin_pages(uint64_t iova, uint64_t npages, bool r, bool w) {
  if (npages == 0) return Errno::Einval;
  if (npages > vfio::kPinMax) return Errno::E2big;
  if (!v2_) return Errno::Eacces;
  const uint64_t first = iova & ~(kPage - 1);
  for (uint64_t i = 0; i < npages; ++i) {
    const uint64_t page = first + i * kPage;
    const IoptArea* a = iopt_.area_at(page);
    Errno e = !a ? Errno::Einval : ((r && !a->r) || (w && !a->w)) ? Errno::Eperm : Errno::Ok;
    if (e != Errno::Ok) {
      unpin_pages(first, i);  // what this call pinned (bits it set stay set)
      return e;
    }
    ++state_[a->iova].pins[page];
    if (tracking_) set_bit(page);
  }
  return Errno::Ok;
}

void VfioType1::unpin_pages(uint64_t iova, uint64_t npages) {
  const uint64_t first = iova & ~(kPage - 1);
  for (uint64_t i = 0; i < npages && i < vfio::kPinMax; ++i) {
    const uint64_t page = first + i * kPage;
    const IoptArea* a = iopt_.area_at(page);
    if (!a) continue;
    auto& pins = state_[a->iova].pins;
    if (auto p = pins.find(page); p != pins.end() && --p->second == 0) pins.erase(p);
  }
}

Errno VfioType1::dma_rw(uint64_t iova, uint64_t length, bool write) {
  if (length == 0) return Errno::Einval;
  const uint64_t last = iova + (length - 1);
  if (last < iova) return Errno::Einval;
  for (uint64_t cur = iova;;) {
    const IoptArea* a = iopt_.area_at(cur);
    if (!a) return Errno::Einval;
    if ((write && !a->w) || !a->r) return Errno::Eperm;
    const uint64_t stop = std::min(last, a->last());
    if (write && tracking_)
      for (uint64_t p = cur & ~(kPage - 1);; p += kPage) {
        set_bit(p);
        if (p >= (stop & ~(kPage - 1))) break;
      }
    if (stop == last) return Errno::Ok;
    cur = stop + 1;
  }
}

void VfioType1::device_detached() {
  if (!tracking_) return;
  for (const auto& [iova, a] : iopt_.areas()) {
    DmaState& s = state_[iova];
    s.bits.assign(words_for(a.length >> kShift), ~0ull);
    if ((a.length >> kShift) % 64) s.bits.back() = (1ull << ((a.length >> kShift) % 64)) - 1;
  }
}

uint64_t VfioType1::pinned_pages() const {
  uint64_t n = 0;
  for (const auto& [iova, s] : state_) n += s.pins.size();
  return n;
}

}  // namespace sim
