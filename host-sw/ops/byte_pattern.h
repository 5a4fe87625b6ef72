#pragma once
// The bytes `access_rw` writes and expects by `pattern: SEED`: each byte a function of
// the seed and its IOVA, so a read of any part of a range written with one seed knows
// what it must find (tests compute the same bytes).
#include <cstdint>

namespace sim {

inline uint8_t pattern_byte(uint64_t seed, uint64_t iova) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + iova;  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return uint8_t(z ^ (z >> 31));
}

}  // namespace sim
