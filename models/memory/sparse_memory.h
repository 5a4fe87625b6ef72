#pragma once
// Physical memory that costs nothing until written: a two-level radix index of
// 2 MiB slabs, each calloc'd (untouched pages use no resident memory), no
// allocation per page. A 1 TiB guest's page tables fit because only written slabs exist.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace sim {

class SparseMemory {
 public:
  static constexpr unsigned kSlabBits = 21;
  static constexpr uint64_t kSlabSize = 1ull << kSlabBits;

  explicit SparseMemory(uint64_t size_bytes);
  ~SparseMemory();
  SparseMemory(const SparseMemory&) = delete;
  SparseMemory& operator=(const SparseMemory&) = delete;

  uint64_t size() const { return size_; }
  void read(uint64_t addr, void* dst, size_t len) const;  // unwritten bytes read as 0
  void write(uint64_t addr, const void* src, size_t len);
  uint64_t read64(uint64_t addr) const;
  void write64(uint64_t addr, uint64_t v) { *word64(addr) = v; }
  uint32_t read32(uint64_t addr) const;
  void write32(uint64_t addr, uint32_t v);
  // Told of every write32 (status words a CPU polls), so the poller can compute when
  // its poll sees the write instead of polling event by event.
  std::function<void(uint64_t addr)> on_write32;
  // The aligned word, allocating its slab: atomic read-modify-write of PTEs.
  uint64_t* word64(uint64_t addr) { return reinterpret_cast<uint64_t*>(slab(addr) + offset(addr)); }
  // A pointer into an existing slab, or nullptr where nothing was ever written.
  const uint8_t* find(uint64_t addr) const;
  size_t slabs() const { return slabs_; }

 private:
  static constexpr unsigned kLeafBits = 12;  // slabs per leaf node: 4096 (8 GiB)
  static uint64_t offset(uint64_t a) { return a & (kSlabSize - 1); }
  void check(uint64_t addr, size_t len) const;
  uint8_t* slab(uint64_t addr);
  uint8_t* const* leaf(uint64_t addr) const;

  uint64_t size_;
  std::vector<std::unique_ptr<uint8_t*[]>> top_;  // leaf nodes of slab pointers
  size_t slabs_ = 0;
};

}  // namespace sim
