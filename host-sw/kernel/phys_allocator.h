#pragma once
// Hands out aligned physical extents of the platform's memory: the kernel's own
// pages (page tables, root and context tables, the invalidation ring) and the
// backing of the VMM's mappings.
#include <cstdint>
#include <map>

namespace sim {

class PhysAllocator {
 public:
  PhysAllocator(uint64_t base, uint64_t size);
  // An extent of `size` bytes aligned to `align` (a power of two); 0 when none fits.
  uint64_t alloc(uint64_t size, uint64_t align);
  void free(uint64_t addr, uint64_t size);
  uint64_t free_bytes() const;

 private:
  std::map<uint64_t, uint64_t> free_;  // start -> end, disjoint
};

}  // namespace sim
