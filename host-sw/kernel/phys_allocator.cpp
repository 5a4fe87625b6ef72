#include "host-sw/kernel/phys_allocator.h"

#include <iterator>

namespace sim {

PhysAllocator::PhysAllocator(uint64_t base, uint64_t size) {
  free_[base] = base + size;
}

uint64_t PhysAllocator::alloc(uint64_t size, uint64_t align) {
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    uint64_t s = (it->first + align - 1) & ~(align - 1);
    if (s < it->first || s + size > it->second || s + size < s) continue;
    uint64_t start = it->first, end = it->second;
    free_.erase(it);
    if (start < s) free_[start] = s;
    if (s + size < end) free_[s + size] = end;
    return s;
  }
  return 0;
}

void PhysAllocator::free(uint64_t addr, uint64_t size) {
  uint64_t start = addr, end = addr + size;
  auto next = free_.lower_bound(start);
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  if (next != free_.end() && next->first == end) {
    end = next->second;
    free_.erase(next);
  }
  free_[start] = end;
}

uint64_t PhysAllocator::free_bytes() const {
  uint64_t n = 0;
  for (auto& [s, e] : free_) n += e - s;
  return n;
}

}  // namespace sim
