#pragma once
// Bits per 4 KiB page frame, by physical address: a flat, growing bitmap (32 MiB per
// plane for a 1 TiB guest), the oracle's per-page state at TiB scale. With several
// planes a frame's bits sit side by side (plane p of frame f is bit f * Planes + p),
// so states that a hot path reads together cost one cache miss, not one each.
#include <bit>
#include <cstdint>
#include <vector>

namespace sim {

inline constexpr uint64_t kNoFrame = UINT64_MAX;

template <unsigned Planes = 1>
class FrameBits {
  static_assert(Planes && 64 % Planes == 0, "a frame's planes share one word");

 public:
  bool test(uint64_t frame, unsigned plane = 0) const {
    const uint64_t b = frame * Planes + plane;
    return b / 64 < words_.size() && (words_[b / 64] >> (b % 64) & 1);
  }
  // Returns whether the bit was clear (set now).
  bool set(uint64_t frame, unsigned plane = 0) {
    const uint64_t b = frame * Planes + plane, w = b / 64;
    if (w >= words_.size()) words_.resize(w + 1 + words_.size() / 2, 0);
    const uint64_t bit = 1ull << (b % 64);
    const bool was_clear = !(words_[w] & bit);
    words_[w] |= bit;
    return was_clear;
  }
  // Returns whether the bit was set (clear now).
  bool reset(uint64_t frame, unsigned plane = 0) {
    const uint64_t b = frame * Planes + plane, w = b / 64;
    if (w >= words_.size()) return false;
    const uint64_t bit = 1ull << (b % 64);
    const bool was_set = words_[w] & bit;
    words_[w] &= ~bit;
    return was_set;
  }
  // The first frame at or above `frame` whose `plane` bit is set, or kNoFrame.
  uint64_t next(uint64_t frame, unsigned plane = 0) const {
    const uint64_t b = frame * Planes + plane, only = kPlane0 << plane;
    uint64_t w = b / 64;
    if (w >= words_.size()) return kNoFrame;
    uint64_t bits = words_[w] & (~0ull << (b % 64)) & only;
    while (!bits) {
      if (++w >= words_.size()) return kNoFrame;
      bits = words_[w] & only;
    }
    return (w * 64 + uint64_t(std::countr_zero(bits))) / Planes;
  }
  uint64_t bytes() const { return words_.capacity() * 8; }

 private:
  // Plane 0's bit of each frame a word holds.
  static constexpr uint64_t kPlane0 = [] {
    uint64_t m = 0;
    for (unsigned i = 0; i < 64; i += Planes) m |= 1ull << i;
    return m;
  }();
  std::vector<uint64_t> words_;
};

}  // namespace sim
