#pragma once
// Time, sizes and rates as exact integers, and the unit syntax of scenario files:
// sizes "4KiB", times "1.5us", rates "10Gb/s". Decimals are parsed exactly and must
// come out whole (no floating point on the timing path).
#include <cstdint>
#include <string>
#include <string_view>

namespace sim {

using Ps = uint64_t;  // picoseconds
inline constexpr Ps kPs = 1, kNs = 1000, kUs = 1000'000, kMs = 1000'000'000,
                    kSec = 1000'000'000'000;

struct ParseResult {
  uint64_t value = 0;
  std::string error;
  bool ok() const { return error.empty(); }
};

ParseResult parse_uint(std::string_view);     // decimal or 0x-hex
ParseResult parse_size(std::string_view);     // "4096", "64B", "4KiB", "1.5KiB", "0x1000"
ParseResult parse_time_ps(std::string_view);  // "0", "100ps", "250ns", "1.5us", "10ms", "1s"
ParseResult parse_rate(std::string_view);     // bytes/s: "10Gb/s" (bits), "25.6GB/s"
ParseResult parse_address(std::string_view);  // "0x3000" or decimal

struct Range {
  uint64_t start = 0, length = 0;
  uint64_t end() const { return start + length; }
};
struct RangeResult {
  Range value;
  std::string error;
  bool ok() const { return error.empty(); }
};
RangeResult parse_range(std::string_view);  // "START+LENGTH" or "FIRST-LAST" (inclusive)

// Canonical exact forms: they re-parse to the same value.
std::string format_size(uint64_t bytes);
std::string format_time(Ps);
std::string format_rate(uint64_t bytes_per_s);
// For people.
std::string human_time(Ps);
std::string human_size(uint64_t bytes);
std::string hex(uint64_t);

// ceil(bytes * 1e12 / rate) in 128-bit arithmetic.
Ps transfer_ps(uint64_t bytes, uint64_t bytes_per_s);

// Serialisation at a fixed rate: ps per byte as 32.32 fixed point, the fraction
// carried between calls so many small transfers add up to the exact total.
class RateClock {
 public:
  explicit RateClock(uint64_t bytes_per_s) : RateClock(bytes_per_s, 1) {}
  // A rate that is an exact fraction: num / den bytes per second (a PCIe link's).
  RateClock(unsigned __int128 num, unsigned __int128 den);
  // The time `bytes` take after what came before, the fraction carried on (inline:
  // every TLP on a link asks).
  Ps advance(uint64_t bytes) {
    const unsigned __int128 total = (unsigned __int128)bytes * ps_per_byte_fp_ + carry_;
    carry_ = uint64_t(total & 0xffffffffu);
    return Ps(total >> 32);
  }
  // The time `bytes` take alone, rounded up (no carry in or out).
  Ps duration(uint64_t bytes) const;

 private:
  unsigned __int128 ps_per_byte_fp_;  // 32.32
  uint64_t carry_ = 0;                // fractional ps, low 32 bits
};

}  // namespace sim
