#pragma once
// A 32-bit value per 4 KiB page frame of an address space, 0 until set. The frames are
// cut into at most 4096 chunks, each a flat array reserved (MAP_NORESERVE) when its
// first value is set and offered for huge pages, so only the array's pages that hold a
// value become resident: at most 4 bytes per frame, and one 2 MiB page per 2 GiB of
// address space touched. A probe is one load (a hash table probes a run of slots), and
// at a random frame it costs a cache miss but no TLB miss.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sim {

class FrameIndex {
 public:
  explicit FrameIndex(uint64_t frames);
  ~FrameIndex();
  FrameIndex(const FrameIndex&) = delete;
  FrameIndex& operator=(const FrameIndex&) = delete;

  // 0 beyond the space, too.
  uint32_t get(uint64_t frame) const {
    const uint32_t* c = chunk(frame);
    return c ? c[frame & mask()] : 0;
  }
  // The frame's value, to set (reserves its chunk the first time; throws
  // std::bad_alloc beyond the space).
  uint32_t& at(uint64_t frame) {
    uint32_t* c = chunk(frame);
    if (!c) [[unlikely]]
      c = map_chunk(frame >> chunk_bits_);
    return c[frame & mask()];
  }
  // Starts loading the frame's value (a probe is coming; unreserved chunks read 0).
  void prefetch(uint64_t frame) const {
    if (const uint32_t* c = chunk(frame)) __builtin_prefetch(c + (frame & mask()));
  }
  uint64_t frames() const { return frames_; }
  // Resident bytes of the arrays (asks the kernel: for reports, not the hot path).
  uint64_t resident_bytes() const;

 private:
  uint32_t* chunk(uint64_t frame) const {
    const uint64_t i = frame >> chunk_bits_;
    return i < chunks_.size() ? chunks_[i] : nullptr;
  }
  uint64_t mask() const { return (uint64_t(1) << chunk_bits_) - 1; }
  size_t chunk_bytes() const { return (size_t(1) << chunk_bits_) * sizeof(uint32_t); }
  uint32_t* map_chunk(uint64_t index);

  uint64_t frames_;
  unsigned chunk_bits_;            // frames per chunk, log2
  std::vector<uint32_t*> chunks_;  // nullptr until reserved
};

}  // namespace sim
