#pragma once
// The VMM's user address space. Virtual-to-physical is computed, never stored: each
// mapping owns one physical extent, and its backing pages are scattered inside it by
// a deterministic bijection, so physical contiguity is never an accident (a 1 TiB
// guest costs nothing per page here).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "host-sw/kernel/errno.h"
#include "host-sw/kernel/phys_allocator.h"

namespace sim {

struct VmmMapping {
  std::string name;
  uint64_t va = 0, size = 0;
  uint64_t backing = 4096;  // 4 KiB, 2 MiB or 1 GiB pages
  bool readonly = false;
  uint64_t extent = 0;  // physical base of the extent
  uint64_t pages = 0;   // backing pages
  unsigned perm_bits = 0;
  uint64_t perm_mul = 1, perm_add = 0;
};

class VmmMemory {
 public:
  explicit VmmMemory(PhysAllocator& phys) : phys_(phys) {}
  VmmMemory(const VmmMemory&) = delete;  // last_ points into its own map
  VmmMemory& operator=(const VmmMemory&) = delete;

  // Maps anonymous memory; ENOMEM when the physical memory is exhausted.
  Errno mmap(const std::string& name, uint64_t size, uint64_t backing, bool readonly, uint64_t& va);
  Errno munmap(const std::string& name);
  const VmmMapping* find(const std::string& name) const;
  const VmmMapping* find_va(uint64_t va) const;
  // Physical address of a user VA, or nothing outside every mapping.
  std::optional<uint64_t> pa(uint64_t va) const;
  // Bytes from va that stay physically contiguous (at most `max`; 0 outside every
  // mapping), and in `pa` where they start: pinning and copying want both.
  uint64_t contiguous(uint64_t va, uint64_t max, uint64_t& pa) const;
  // The page-index permutation of a mapping (exposed for tests).
  static uint64_t permute(const VmmMapping& m, uint64_t index);
  // Physical address of `va` inside mapping `m`.
  static uint64_t pa_in(const VmmMapping& m, uint64_t va);

 private:
  PhysAllocator& phys_;
  std::map<uint64_t, VmmMapping> by_va_;
  // The mapping found last: maps, pins and harvests ask page after page in one.
  mutable const VmmMapping* last_ = nullptr;
  std::map<std::string, uint64_t> by_name_;
  uint64_t next_va_ = 0x7f0000000000ull;
};

}  // namespace sim
