#pragma once
// Deterministic random streams: one per component, from (seed, component name), so
// adding a component never shifts another's numbers. xoshiro256** seeded by
// SplitMix64; no std::*_distribution (implementation-defined across libraries).
#include <cstdint>
#include <string_view>

namespace sim {

uint64_t stable_hash(std::string_view);  // FNV-1a 64

class Rng {
 public:
  Rng(uint64_t seed, std::string_view stream_name);
  uint64_t next();
  uint64_t below(uint64_t n);                  // uniform in [0, n), n > 0, unbiased
  uint64_t between(uint64_t lo, uint64_t hi);  // inclusive
  double unit();                               // [0, 1) from the top 53 bits

 private:
  uint64_t s_[4];
};

}  // namespace sim
