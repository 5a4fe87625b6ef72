#pragma once
// DMA payload bytes are a pure function of (request, offset): nothing is stored to
// know what a device wrote, and a reader can check what it got.
#include <cstdint>
#include <cstring>

namespace sim {

inline uint64_t payload_word(uint64_t request_id, uint64_t word_index) {
  // A Weyl step per word, one multiply to mix: distinct per (request, word), and cheap
  // enough for every byte of every TLP.
  uint64_t z = request_id * 0x9e3779b97f4a7c15ull + word_index * 0xbf58476d1ce4e5b9ull;
  z ^= z >> 29;
  z *= 0x94d049bb133111ebull;
  return z ^ (z >> 32);
}

// Bytes [offset, offset+len) of request `request_id`'s payload.
inline void fill_payload(uint64_t request_id, uint64_t offset, uint8_t* dst, uint32_t len) {
  uint32_t i = 0;
  // Whole words while the offset is word-aligned (every TLP of an aligned DMA).
  if (offset % 8 == 0)
    for (; i + 8 <= len; i += 8) {
      const uint64_t w = payload_word(request_id, (offset + i) / 8);
      std::memcpy(dst + i, &w, 8);
    }
  while (i < len) {
    uint64_t w = payload_word(request_id, (offset + i) / 8);
    uint32_t in_word = uint32_t((offset + i) % 8);
    uint32_t n = 8 - in_word < len - i ? 8 - in_word : len - i;
    std::memcpy(dst + i, reinterpret_cast<const uint8_t*>(&w) + in_word, n);
    i += n;
  }
}

}  // namespace sim
