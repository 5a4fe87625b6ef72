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

// Bytes [offset, offset+len) of request `request_id`'s payload, a word's slice at a
// time: an unaligned head, or a tail shorter than a word.
[[gnu::noinline]] inline void fill_payload_slices(uint64_t request_id, uint64_t offset,
                                                  uint8_t* dst, uint32_t len) {
  for (uint32_t i = 0; i < len;) {
    const uint64_t w = payload_word(request_id, (offset + i) / 8);
    const uint32_t in_word = uint32_t((offset + i) % 8);
    const uint32_t n = 8 - in_word < len - i ? 8 - in_word : len - i;
    std::memcpy(dst + i, reinterpret_cast<const uint8_t*>(&w) + in_word, n);
    i += n;
  }
}

// Bytes [offset, offset+len) of request `request_id`'s payload. Every TLP of an aligned
// DMA starts on a word: its words go eight a step, in four independent 16-byte lanes
// (memory is where the payload costs, and a word at a time took 7 instructions).
inline void fill_payload(uint64_t request_id, uint64_t offset, uint8_t* dst, uint32_t len) {
  if (offset % 8) [[unlikely]]
    return fill_payload_slices(request_id, offset, dst, len);
  using Lanes = uint64_t __attribute__((vector_size(16)));
  const uint64_t w = payload_word(request_id, offset / 8), s = kPayloadStep;
  Lanes l0 = {w, w + s}, l1 = l0 + 2 * s, l2 = l0 + 4 * s, l3 = l0 + 6 * s;
  uint32_t i = 0;
  for (; i + 64 <= len; i += 64, l0 += 8 * s, l1 += 8 * s, l2 += 8 * s, l3 += 8 * s) {
    std::memcpy(dst + i, &l0, 16);
    std::memcpy(dst + i + 16, &l1, 16);
    std::memcpy(dst + i + 32, &l2, 16);
    std::memcpy(dst + i + 48, &l3, 16);
  }
  // Under 64 bytes left: whole lanes, then whole words, then a word's slice.
  const Lanes rest[3] = {l1, l2, l3};
  Lanes l = l0;
  for (unsigned k = 0; i + 16 <= len; i += 16) {
    std::memcpy(dst + i, &l, 16);
    l = rest[k++];
  }
  if (i + 8 <= len) {
    std::memcpy(dst + i, &l, 8);
    i += 8;
  }
  if (i < len) fill_payload_slices(request_id, offset + i, dst + i, len - i);
}

}  // namespace sim
