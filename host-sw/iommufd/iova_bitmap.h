#pragma once
// The user's dirty bitmap, after the kernel's iova_bitmap: bytes in VMM memory, bit
// k for IOVA [iova + k*page_size, +page_size) relative to the request, walked in
// windows of at most `window_pages` pinned bitmap pages. Records are rounded outward
// to page_size and, unlike the kernel, clipped to the request (so nothing is written
// past the user's buffer). A record reaching past a window covers the following
// windows too, which are then skipped (the kernel's set-ahead).
#include <cstdint>

#include "host-sw/kernel/vmm_memory.h"
#include "models/memory/sparse_memory.h"

namespace sim {

class IovaBitmap {
 public:
  struct Window {
    uint64_t iova = 0, length = 0;
  };

  IovaBitmap(const VmmMemory& vmm, SparseMemory& mem, uint64_t user_va, uint64_t iova,
             uint64_t length, uint64_t page_size, unsigned window_pages = 512);

  static uint64_t bytes_needed(uint64_t length, uint64_t page_size);
  // The next window to walk; false when the bitmap is done.
  bool next(Window& w);
  void set(uint64_t iova, uint64_t length);
  uint64_t bits_set() const { return bits_set_; }
  uint64_t windows() const { return windows_; }

 private:
  void set_bits(uint64_t first, uint64_t last);

  const VmmMemory& vmm_;
  SparseMemory& mem_;
  uint64_t user_va_, iova_, length_, page_size_;
  unsigned pgshift_;
  unsigned window_pages_;
  uint64_t total_index_;     // bitmap bytes covering the request
  uint64_t base_index_ = 0;  // first byte of the next window
  uint64_t covered_to_ = 0;  // IOVA end already covered by a record (set-ahead)
  uint64_t nbits_;
  uint64_t bits_set_ = 0, windows_ = 0;
};

}  // namespace sim
