#include "host-sw/iommufd/iova_bitmap.h"

#include <algorithm>

namespace sim {

IovaBitmap::IovaBitmap(const VmmMemory& vmm, SparseMemory& mem, uint64_t user_va, uint64_t iova,
                       uint64_t length, uint64_t page_size, unsigned window_pages)
    : vmm_(vmm),
      mem_(mem),
      user_va_(user_va),
      iova_(iova),
      length_(length),
      page_size_(page_size),
      pgshift_(unsigned(__builtin_ctzll(page_size))),
      window_pages_(window_pages ? window_pages : 1),
      total_index_(bytes_needed(length, page_size)),
      nbits_((length - 1) / page_size + 1) {}

uint64_t IovaBitmap::bytes_needed(uint64_t length, uint64_t page_size) {
  const uint64_t b = 8 * page_size;  // IOVA bytes per bitmap byte
  return (length - 1) / b + 1;
}

bool IovaBitmap::next(Window& w) {
  const uint64_t b = 8 * page_size_;
  // Skip bytes a record already covered past the previous window (set-ahead).
  if (covered_to_ > iova_) base_index_ = std::max(base_index_, (covered_to_ - iova_) / b);
  if (base_index_ >= total_index_) return false;
  const uint64_t pgoff = (user_va_ + base_index_) % 4096;
  const uint64_t left = total_index_ - base_index_;
  const uint64_t npages = std::min<uint64_t>((left + 4095) / 4096 + (pgoff != 0), window_pages_);
  const uint64_t capacity = npages * 4096 - pgoff;
  const uint64_t rem = std::min(left, capacity);
  w.iova = iova_ + base_index_ * b;
  w.length = std::min(rem * b, iova_ + length_ - w.iova);
  base_index_ += (w.length - 1) / b + 1;
  ++windows_;
  return true;
}

void IovaBitmap::set(uint64_t iova, uint64_t length) {
  // Clip to the request (the kernel would set bits past it inside pinned pages).
  uint64_t start = std::max(iova, iova_);
  uint64_t end = std::min(iova + length, iova_ + length_);
  if (start >= end) return;
  set_bits((start - iova_) >> pgshift_, std::min((end - 1 - iova_) >> pgshift_, nbits_ - 1));
  covered_to_ = std::max(covered_to_, end);
}

void IovaBitmap::set_bits(uint64_t first, uint64_t last) {
  for (uint64_t bit = first; bit <= last;) {
    const uint64_t byte = bit / 8;
    const unsigned lo = unsigned(bit % 8);
    const unsigned hi = unsigned(std::min<uint64_t>(7, lo + (last - bit)));
    const uint8_t mask = uint8_t(((0xffu << lo) & (0xffu >> (7 - hi))));
    const uint64_t pa = *vmm_.pa(user_va_ + byte);
    uint8_t v = 0;
    mem_.read(pa, &v, 1);
    bits_set_ += unsigned(__builtin_popcount(mask & ~v));
    v |= mask;
    mem_.write(pa, &v, 1);
    bit += hi - lo + 1;
  }
}

}  // namespace sim
