#include "models/base/units.h"

#include <charconv>
#include <cstdio>

namespace sim {

namespace {

using u128 = unsigned __int128;

struct Unit {
  std::string_view suffix;
  uint64_t num;  // value = number * num / den
  uint64_t den;
};

// Exact decimal "123.456" times num/den; fails unless the result is whole.
bool scale_decimal(std::string_view digits, uint64_t num, uint64_t den, uint64_t& out,
                   std::string& why) {
  if (digits.empty()) {
    why = "a number is missing";
    return false;
  }
  u128 mantissa = 0, divisor = 1;
  bool dot = false, any = false;
  for (char c : digits) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') {
      why = "not a number";
      return false;
    }
    any = true;
    mantissa = mantissa * 10 + u128(c - '0');
    if (dot) divisor *= 10;
    if (mantissa > (u128(1) << 100) || divisor > (u128(1) << 60)) {
      why = "too large or too precise";
      return false;
    }
  }
  if (!any) {
    why = "not a number";
    return false;
  }
  u128 top = mantissa * num;
  u128 bottom = divisor * den;
  if (top % bottom != 0) {
    why = "does not come out whole";
    return false;
  }
  u128 v = top / bottom;
  if (v > UINT64_MAX) {
    why = "too large";
    return false;
  }
  out = uint64_t(v);
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_hex(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

ParseResult parse_hex(std::string_view s) {
  ParseResult r;
  auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), r.value, 16);
  if (ec == std::errc::result_out_of_range)
    r.error = "too large";
  else if (ec != std::errc() || p != s.data() + s.size())
    r.error = "not a hex number";
  return r;
}

// Splits "1.5KiB" into ("1.5", "KiB") and applies the unit table.
ParseResult parse_with_units(std::string_view text, const Unit* units, size_t n,
                             std::string_view what, bool unit_required_unless_zero) {
  std::string_view s = trim(text);
  ParseResult r;
  auto fail = [&](const std::string& why) {
    r.error = "expected " + std::string(what) + ", got '" + std::string(text) + "' (" + why + ")";
    return r;
  };
  if (s.empty()) return fail("empty");
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  std::string_view number = s.substr(0, i), suffix = trim(s.substr(i));
  if (number.empty()) return fail("a number must come first");
  if (suffix.empty()) {
    if (unit_required_unless_zero) {
      uint64_t v = 0;
      std::string why;
      if (!scale_decimal(number, 1, 1, v, why)) return fail(why);
      if (v != 0) return fail("a non-zero value needs a unit");
      r.value = 0;
      return r;
    }
    std::string why;
    if (!scale_decimal(number, 1, 1, r.value, why)) return fail(why);
    return r;
  }
  for (size_t k = 0; k < n; ++k) {
    if (suffix != units[k].suffix) continue;
    std::string why;
    if (!scale_decimal(number, units[k].num, units[k].den, r.value, why)) return fail(why);
    return r;
  }
  return fail("unknown unit '" + std::string(suffix) + "'");
}

constexpr Unit kSizeUnits[] = {{"B", 1, 1},
                               {"KiB", 1ull << 10, 1},
                               {"MiB", 1ull << 20, 1},
                               {"GiB", 1ull << 30, 1},
                               {"TiB", 1ull << 40, 1},
                               {"PiB", 1ull << 50, 1}};
constexpr Unit kTimeUnits[] = {
    {"ps", 1, 1}, {"ns", kNs, 1}, {"us", kUs, 1}, {"ms", kMs, 1}, {"s", kSec, 1}};
constexpr Unit kRateUnits[] = {{"b/s", 1, 8},
                               {"Kb/s", 1000, 8},
                               {"Mb/s", 1000'000, 8},
                               {"Gb/s", 1000'000'000, 8},
                               {"Tb/s", 1000'000'000'000, 8},
                               {"B/s", 1, 1},
                               {"KB/s", 1000, 1},
                               {"MB/s", 1000'000, 1},
                               {"GB/s", 1000'000'000, 1},
                               {"TB/s", 1000'000'000'000, 1}};

template <size_t N>
std::string exact(uint64_t v, const Unit (&units)[N], std::string_view zero) {
  if (v == 0) return std::string(zero);
  for (size_t k = N; k-- > 0;) {
    if (units[k].den != 1) continue;
    if (v % units[k].num == 0)
      return std::to_string(v / units[k].num) + std::string(units[k].suffix);
  }
  return std::to_string(v);
}

std::string fixed3(uint64_t v, uint64_t unit) {
  // v / unit with three decimals, rounded half up, by integer arithmetic.
  u128 milli = (u128(v) * 1000 + unit / 2) / unit;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu.%03llu", (unsigned long long)(milli / 1000),
                (unsigned long long)(milli % 1000));
  return buf;
}

}  // namespace

ParseResult parse_uint(std::string_view text) {
  std::string_view s = trim(text);
  if (is_hex(s)) {
    ParseResult r = parse_hex(s);
    if (!r.ok()) r.error = "expected an integer, got '" + std::string(text) + "' (" + r.error + ")";
    return r;
  }
  ParseResult r;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), r.value, 10);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    r.error = "expected a non-negative integer, got '" + std::string(text) + "'";
  return r;
}

ParseResult parse_size(std::string_view text) {
  std::string_view s = trim(text);
  if (is_hex(s)) {
    ParseResult r = parse_hex(s);
    if (!r.ok()) r.error = "expected a size such as 4KiB, got '" + std::string(text) + "'";
    return r;
  }
  return parse_with_units(text, kSizeUnits, std::size(kSizeUnits), "a size such as 4KiB", false);
}

ParseResult parse_time_ps(std::string_view text) {
  return parse_with_units(text, kTimeUnits, std::size(kTimeUnits), "a time such as 250ns", true);
}

ParseResult parse_rate(std::string_view text) {
  ParseResult r =
      parse_with_units(text, kRateUnits, std::size(kRateUnits), "a rate such as 10Gb/s", true);
  if (r.ok() && r.value == 0) r.error = "expected a rate above 0, got '" + std::string(text) + "'";
  return r;
}

ParseResult parse_address(std::string_view text) {
  ParseResult r = parse_uint(text);
  if (!r.ok()) r.error = "expected an address such as 0x3000, got '" + std::string(text) + "'";
  return r;
}

RangeResult parse_range(std::string_view text) {
  RangeResult out;
  std::string_view s = trim(text);
  auto fail = [&](const std::string& why) {
    out.error = "expected a range START+LENGTH or FIRST-LAST, got '" + std::string(text) + "'" +
                (why.empty() ? "" : " (" + why + ")");
    return out;
  };
  size_t plus = s.find('+'), dash = s.find('-');
  if ((plus == std::string_view::npos) == (dash == std::string_view::npos)) return fail("");
  if (plus != std::string_view::npos) {
    ParseResult a = parse_address(s.substr(0, plus)), b = parse_size(s.substr(plus + 1));
    if (!a.ok() || !b.ok()) return fail("");
    if (b.value == 0) return fail("empty");
    if (a.value + b.value < a.value) return fail("overflows");
    out.value = {a.value, b.value};
    return out;
  }
  ParseResult a = parse_address(s.substr(0, dash)), b = parse_address(s.substr(dash + 1));
  if (!a.ok() || !b.ok()) return fail("");
  if (b.value < a.value) return fail("last before first");
  if (b.value - a.value == UINT64_MAX) return fail("overflows");
  out.value = {a.value, b.value - a.value + 1};
  return out;
}

std::string format_size(uint64_t bytes) {
  return exact(bytes, kSizeUnits, "0");
}
std::string format_time(Ps ps) {
  return exact(ps, kTimeUnits, "0");
}
std::string format_rate(uint64_t bps) {
  if (bps == 0) return "0B/s";
  for (size_t k = std::size(kRateUnits); k-- > 0;) {
    const Unit& u = kRateUnits[k];
    if (u.den == 1 && bps % u.num == 0) return std::to_string(bps / u.num) + std::string(u.suffix);
  }
  return std::to_string(bps) + "B/s";
}

std::string human_time(Ps ps) {
  if (ps == 0) return "0 s";
  if (ps >= kSec) return fixed3(ps, kSec) + " s";
  if (ps >= kMs) return fixed3(ps, kMs) + " ms";
  if (ps >= kUs) return fixed3(ps, kUs) + " us";
  if (ps >= kNs) return fixed3(ps, kNs) + " ns";
  return std::to_string(ps) + " ps";
}

std::string human_size(uint64_t b) {
  const char* names[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (b < 1024) return std::to_string(b) + " B";
  int k = 0;
  uint64_t unit = 1024;
  while (k < 4 && b >= unit * 1024) {
    unit *= 1024;
    ++k;
  }
  u128 centi = (u128(b) * 100 + unit / 2) / unit;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu.%02llu %s", (unsigned long long)(centi / 100),
                (unsigned long long)(centi % 100), names[k]);
  return buf;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return buf;
}

Ps transfer_ps(uint64_t bytes, uint64_t bytes_per_s) {
  u128 top = u128(bytes) * kSec;
  return Ps((top + bytes_per_s - 1) / bytes_per_s);
}

RateClock::RateClock(u128 num, u128 den) : ps_per_byte_fp_((u128(kSec) * den << 32) / num) {}

Ps RateClock::duration(uint64_t bytes) const {
  return Ps((u128(bytes) * ps_per_byte_fp_ + 0xffffffffu) >> 32);
}

}  // namespace sim
