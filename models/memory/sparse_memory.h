#pragma once
// Physical memory that costs only what is written. The address space is cut into a
// few thousand chunks (1 GiB, or larger for memories over 4 TiB, so there are never
// more than 4096); a chunk is reserved by one anonymous mmap (MAP_NORESERVE) the first
// time anything in it is written, and the kernel makes a page resident only when it is
// written. So RSS follows the bytes written at any size up to the 48-bit limit, with a
// few thousand mappings at most (the kernel allows 65,530), and nothing is allocated
// per page or per slab. A bitmap of the 2 MiB slabs ever written lets `find` tell
// "never written" (all zero) from written memory, as backdoor readers expect.
//
// Generated writes (DMA payloads) are recorded, not stored (payload_overlay.h): reads
// overlay them, a plain write stores a frame's record before its own bytes, and a slab
// a pointer was handed out for (`word64`, `find`) is stored whole and from then on
// takes generated writes at once, so a cached pointer never reads stale bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "models/memory/payload_overlay.h"

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
  // Bytes [addr, addr + len) are g's stream `key` from `gen_addr` on.
  void write_generated(uint64_t addr, size_t len, PayloadGenerator g, uint64_t key,
                       uint64_t gen_addr) {
    // Inline: the next TLP of the stream a frame got last (its slab is written, holds
    // records, and no pointer into it was handed out, or the frame would hold none), or
    // a TLP to the latest frame, stored.
    const uint32_t off = uint32_t(addr % PayloadOverlay::kFrameSize);
    const uint64_t frame = addr >> PayloadOverlay::kFrameBits;
    if (len <= PayloadOverlay::kFrameSize - off && addr <= size_ && len <= size_ - addr) {
      if (overlay_.extend(frame, off, uint32_t(len), g, key, gen_addr)) return;
      if (overlay_.latest_stored(frame))
        return g(key, gen_addr, slab(addr) + offset(addr), uint32_t(len));
    }
    write_generated_slow(addr, len, g, key, gen_addr);
  }
  // A generated write at addr is coming: its bookkeeping starts loading now, so the
  // cache miss of a new frame overlaps the caller's work in between (a hint: any
  // address is safe).
  void prefetch(uint64_t addr) const { overlay_.prefetch(addr >> PayloadOverlay::kFrameBits); }
  uint64_t read64(uint64_t addr) const;
  void write64(uint64_t addr, uint64_t v) {
    uint8_t* s = slab(addr);
    if (pending_.test(addr >> kSlabBits)) [[unlikely]]
      store_recorded(addr, 8);
    std::memcpy(s + offset(addr), &v, 8);
  }
  uint32_t read32(uint64_t addr) const;
  void write32(uint64_t addr, uint32_t v);
  // Told of every write32 (status words a CPU polls), so the poller can compute when
  // its poll sees the write instead of polling event by event.
  std::function<void(uint64_t addr)> on_write32;
  // The aligned word, its slab counted as written: atomic read-modify-write of PTEs.
  // The pointer stays valid for the memory's life (backdoor readers cache it).
  uint64_t* word64(uint64_t addr) {
    uint8_t* s = slab(addr);
    if (!direct_.test(addr >> kSlabBits)) [[unlikely]]
      make_direct(addr);
    return reinterpret_cast<uint64_t*>(s + offset(addr));
  }
  // A pointer into a written slab (valid to its end), or nullptr where nothing was
  // ever written in the slab.
  const uint8_t* find(uint64_t addr);
  size_t recorded_frames() const { return overlay_.frames(); }   // holding unstored bytes
  uint64_t spilled_frames() const { return overlay_.spills(); }  // stored: a record was full
  uint64_t overlay_bytes() const { return overlay_.bytes(); }
  size_t slabs() const { return slabs_; }    // 2 MiB slabs ever written
  size_t chunks() const { return chunks_; }  // mappings reserved
  unsigned chunk_bits() const { return chunk_bits_; }

 private:
  // A bit per 2 MiB slab (calloc: a large bitmap comes zeroed, resident where set).
  class SlabBits {
   public:
    explicit SlabBits(uint64_t size_bytes);
    bool test(uint64_t slab) const { return bits_[slab >> 6] >> (slab & 63) & 1; }
    void set(uint64_t slab) { bits_[slab >> 6] |= 1ull << (slab & 63); }

   private:
    std::unique_ptr<uint64_t[], void (*)(void*)> bits_;
  };
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
    if (!c || !written_.test(addr >> kSlabBits)) [[unlikely]]
      return first_write(addr);
    return c + ((addr & ((1ull << chunk_bits_) - 1)) & ~(kSlabSize - 1));
  }
  [[gnu::noinline]] uint8_t* first_write(uint64_t addr);  // maps and counts the slab
  uint8_t* map_chunk(uint64_t index);                     // reserves a chunk
  uint8_t* chunk_of(uint64_t addr) const { return chunk_[addr >> chunk_bits_]; }
  // The written slab's bytes at addr, or nullptr (never written: all zero).
  const uint8_t* stored(uint64_t addr) const;
  void write_generated_slow(uint64_t addr, size_t len, PayloadGenerator g, uint64_t key,
                            uint64_t gen_addr);
  // Calls fn(a, off, n, done) for each frame's piece of [addr, addr + len): the piece
  // starts at a, `off` into its frame, `done` bytes into the range.
  template <class Fn>
  static void each_frame(uint64_t addr, size_t len, Fn&& fn) {
    for (size_t done = 0; done < len;) {
      const uint64_t a = addr + done;
      const uint32_t off = uint32_t(a % PayloadOverlay::kFrameSize);
      const uint32_t n = uint32_t(std::min<uint64_t>(len - done, PayloadOverlay::kFrameSize - off));
      fn(a, off, n, done);
      done += n;
    }
  }
  // Stores the recorded bytes of the frames [addr, addr + len) touches.
  void store_recorded(uint64_t addr, size_t len);
  // Stores the slab's recorded bytes; generated writes to it are stored from now on.
  [[gnu::noinline]] void make_direct(uint64_t addr);

  uint64_t size_;
  unsigned chunk_bits_;
  std::vector<uint8_t*> chunk_;  // nullptr until reserved
  SlabBits written_;             // ever written
  SlabBits pending_;             // a frame in it may hold recorded bytes
  SlabBits direct_;              // a pointer into it was handed out
  PayloadOverlay overlay_;
  size_t slabs_ = 0, chunks_ = 0;
};

}  // namespace sim
