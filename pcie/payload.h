#pragma once
// DMA payload bytes are a pure function of (request, offset): nothing is stored to
// know what a device wrote, and a reader can check what it got.
#include <cstdint>
#include <cstring>

namespace sim {

// Word n of a request's payload: a Weyl sequence seeded by the request, so words
// differ within and across requests (nothing needs more mixing than that: readers
// compare, they do not test randomness), at one add per word.
inline constexpr uint64_t kPayloadStep = 0x9e3779b97f4a7c15ull;
inline uint64_t payload_word(uint64_t request_id, uint64_t word_index) {
  return (request_id << 32 | request_id >> 32) + word_index * kPayloadStep;
}

// Bytes [offset, offset+len) of request `request_id`'s payload.
inline void fill_payload(uint64_t request_id, uint64_t offset, uint8_t* dst, uint32_t len) {
  uint32_t i = 0;
  // Whole words while the offset is word-aligned (every TLP of an aligned DMA).
  if (offset % 8 == 0) {
    uint64_t w = payload_word(request_id, offset / 8);
    for (; i + 8 <= len; i += 8, w += kPayloadStep) std::memcpy(dst + i, &w, 8);
  }
  while (i < len) {
    const uint64_t w = payload_word(request_id, (offset + i) / 8);
    const uint32_t in_word = uint32_t((offset + i) % 8);
    const uint32_t n = 8 - in_word < len - i ? 8 - in_word : len - i;
    std::memcpy(dst + i, reinterpret_cast<const uint8_t*>(&w) + in_word, n);
    i += n;
  }
}

}  // namespace sim
