#pragma once
// An allocator for large tables read at random (per-frame hash tables): blocks of
// 2 MiB and more are aligned to 2 MiB and offered to the kernel for transparent huge
// pages, so a random probe costs a cache miss but rarely a TLB miss as well (a 100 MB
// table spans 25,000 small pages, far beyond any TLB). Smaller blocks come from new.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace sim {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHuge = size_t(2) << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return static_cast<T*>(::operator new(bytes));
    void* p = std::aligned_alloc(kHuge, (bytes + kHuge - 1) / kHuge * kHuge);
    if (!p) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP, plain pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHuge)
      ::operator delete(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace sim
