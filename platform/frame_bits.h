#pragma once
// One bit per 4 KiB page frame, by physical address: a flat, growing bitmap (32 MiB
// for a 1 TiB guest), the oracle's per-page state at TiB scale.
#include <bit>
#include <cstdint>
#include <vector>

namespace sim {

class FrameBits {
 public:
  static constexpr uint64_t kEnd = UINT64_MAX;

  bool test(uint64_t frame) const {
    const uint64_t w = frame / 64;
    return w < words_.size() && (words_[w] >> (frame % 64) & 1);
  }
  // Returns whether the bit was clear (set now).
  bool set(uint64_t frame) {
    const uint64_t w = frame / 64;
    if (w >= words_.size()) words_.resize(w + 1 + words_.size() / 2, 0);
    const uint64_t bit = 1ull << (frame % 64);
    const bool was_clear = !(words_[w] & bit);
    words_[w] |= bit;
    return was_clear;
  }
  // Returns whether the bit was set (clear now).
  bool reset(uint64_t frame) {
    const uint64_t w = frame / 64;
    if (w >= words_.size()) return false;
    const uint64_t bit = 1ull << (frame % 64);
    const bool was_set = words_[w] & bit;
    words_[w] &= ~bit;
    return was_set;
  }
  // The first set frame at or above `frame`, or kEnd.
  uint64_t next(uint64_t frame) const {
    uint64_t w = frame / 64;
    if (w >= words_.size()) return kEnd;
    uint64_t bits = words_[w] & (~0ull << (frame % 64));
    while (!bits) {
      if (++w >= words_.size()) return kEnd;
      bits = words_[w];
    }
    return w * 64 + uint64_t(std::countr_zero(bits));
  }
  uint64_t bytes() const { return words_.capacity() * 8; }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace sim
