#pragma once
// Physical memory that costs only what is written. The address space is cut into a
// few thousand chunks (1 GiB, or larger for memories over 4 TiB, so there are never
// more than 4096); a chunk is reserved by one anonymous mmap (MAP_NORESERVE) the first
// time anything in it is written, and the kernel makes a page resident only when it is
// written. So RSS follows the bytes written at any size up to the 48-bit limit, with a
// few thousand mappings at most (the kernel allows 65,530), and nothing is allocated
// per page or per slab. A bitmap of the 2 MiB slabs ever written lets `find` tell
// "never written" (all zero) from written memory, as backdoor readers expect.
#include <algorithm>
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
  // Writes [addr, addr + len) in place: `fill(dst, done, n)` writes the n bytes from
  // `done` on at dst, once per slab the range touches.
  template <class Fill>
  void write_with(uint64_t addr, size_t len, Fill&& fill) {
    check(addr, len);
    for (size_t done = 0; done < len;) {
      const size_t n = std::min<uint64_t>(len - done, kSlabSize - offset(addr + done));
      fill(slab(addr + done) + offset(addr + done), done, n);
      done += n;
    }
  }
  uint64_t read64(uint64_t addr) const;
  void write64(uint64_t addr, uint64_t v) { *word64(addr) = v; }
  uint32_t read32(uint64_t addr) const;
  void write32(uint64_t addr, uint32_t v);
  // Told of every write32 (status words a CPU polls), so the poller can compute when
  // its poll sees the write instead of polling event by event.
  std::function<void(uint64_t addr)> on_write32;
  // The aligned word, its slab counted as written: atomic read-modify-write of PTEs.
  // The pointer stays valid for the memory's life (backdoor readers cache it).
  uint64_t* word64(uint64_t addr) { return reinterpret_cast<uint64_t*>(slab(addr) + offset(addr)); }
  // A pointer into a written slab (valid to its end), or nullptr where nothing was
  // ever written in the slab.
  const uint8_t* find(uint64_t addr) const;
  size_t slabs() const { return slabs_; }    // 2 MiB slabs ever written
  size_t chunks() const { return chunks_; }  // mappings reserved
  unsigned chunk_bits() const { return chunk_bits_; }

 private:
  static uint64_t offset(uint64_t a) { return a & (kSlabSize - 1); }
  void check(uint64_t addr, size_t len) const {
    if (addr > size_ || len > size_ - addr) [[unlikely]]
      beyond_size();
  }
  [[noreturn, gnu::cold]] static void beyond_size();
  // The written slab's first byte (inline: every DMA write asks).
  uint8_t* slab(uint64_t addr) {
    if (addr >= size_) [[unlikely]]
      beyond_size();
    uint8_t* c = chunk_of(addr);
    const uint64_t s = addr >> kSlabBits;
    if (!c || !(written_[s >> 6] >> (s & 63) & 1)) [[unlikely]]
      return first_write(addr);
    return c + ((addr & ((1ull << chunk_bits_) - 1)) & ~(kSlabSize - 1));
  }
  [[gnu::noinline]] uint8_t* first_write(uint64_t addr);  // maps and counts the slab
  uint8_t* map_chunk(uint64_t index);                     // reserves a chunk
  uint8_t* chunk_of(uint64_t addr) const { return chunk_[addr >> chunk_bits_]; }

  uint64_t size_;
  unsigned chunk_bits_;
  std::vector<uint8_t*> chunk_;                           // nullptr until reserved
  std::unique_ptr<uint64_t[], void (*)(void*)> written_;  // a bit per 2 MiB slab
  size_t slabs_ = 0, chunks_ = 0;
};

}  // namespace sim
