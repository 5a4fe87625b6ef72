// Fuzz target: iova_bitmap against a simple reference. Random request (iova, length,
// page size, buffer offset, window size) and random records inside each window;
// the bits set must equal the union of the records clipped to the request and
// rounded outward to the page size, and the windows must cover the request in order.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "host-sw/iommufd/iova_bitmap.h"

namespace {
struct Bytes {
  const uint8_t* p;
  size_t n;
  uint64_t take(unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && n; ++i, ++p, --n) v = v << 8 | *p;
    return v;
  }
};
void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  const uint64_t ps = 1024ull << (in.take(1) % 12);  // 1 KiB .. 2 MiB
  const uint64_t iova = (in.take(4) % (1u << 20)) * ps;
  const uint64_t pages = 1 + in.take(3) % 50000;  // up to ~6 KiB of bitmap
  const uint64_t length = pages * ps;
  const uint64_t offset = in.take(2) % 4096;
  const unsigned window_pages = unsigned(1 + in.take(1) % 4);
  sim::PhysAllocator phys(1 << 20, 1ull << 31);
  sim::VmmMemory vmm(phys);
  sim::SparseMemory mem(1ull << 31);
  uint64_t va;
  vmm.mmap("b", 64 << 10, 4096, false, va);
  sim::IovaBitmap bm(vmm, mem, va + offset, iova, length, ps, window_pages);
  std::vector<bool> ref(pages);
  sim::IovaBitmap::Window w;
  uint64_t expect_at = iova;
  while (bm.next(w)) {
    check(w.iova >= expect_at, "window moved backwards");
    check(w.length > 0 && w.iova + w.length <= iova + length, "window outside the request");
    expect_at = w.iova + w.length;
    for (int k = int(in.take(1) % 4); k > 0; --k) {
      uint64_t at = w.iova + in.take(3) % w.length;
      uint64_t len = 1 + in.take(3) % (4 * ps);
      if (in.take(1) % 8 == 0) len += in.take(3) * ps;  // sometimes far past the window
      bm.set(at, len);
      uint64_t first = (at - iova) / ps, last = std::min(pages - 1, (at + len - 1 - iova) / ps);
      for (uint64_t b = first; b <= last; ++b) ref[b] = true;
    }
  }
  for (uint64_t b = 0; b < pages; ++b) {
    uint8_t byte = 0;
    mem.read(*vmm.pa(va + offset + b / 8), &byte, 1);
    check(bool(byte >> (b % 8) & 1) == ref[b], "bit differs from the reference");
  }
  // Nothing is written past the request's last bit.
  uint8_t last = 0;
  mem.read(*vmm.pa(va + offset + (pages - 1) / 8), &last, 1);
  check((last >> ((pages - 1) % 8)) <= 1, "bits set past the request");
  return 0;
}
