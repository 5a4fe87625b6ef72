#include <doctest/doctest.h>

#include "models/base/units.h"

using namespace sim;

TEST_CASE("sizes: every unit, decimals, hex") {
  CHECK(parse_size("4096").value == 4096);
  CHECK(parse_size("64B").value == 64);
  CHECK(parse_size("4KiB").value == 4096);
  CHECK(parse_size("1.5KiB").value == 1536);
  CHECK(parse_size("2MiB").value == 2u << 20);
  CHECK(parse_size("1GiB").value == 1ull << 30);
  CHECK(parse_size("1TiB").value == 1ull << 40);
  CHECK(parse_size("0x1000").value == 4096);
  CHECK(parse_size("0").value == 0);
}

TEST_CASE("sizes: refused forms say what was expected") {
  for (const char* bad : {"4kib", "4KB", "1.0001KiB", "", "KiB", "-1", "4 KiBs", "0xZZ",
                          "99999999999999999999", "17179869184TiB"}) {
    ParseResult r = parse_size(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    CHECK(r.error.find("expected a size") != std::string::npos);
  }
}

TEST_CASE("times: exact decimals in picoseconds, non-zero needs a unit") {
  CHECK(parse_time_ps("0").value == 0);
  CHECK(parse_time_ps("100ps").value == 100);
  CHECK(parse_time_ps("250ns").value == 250'000);
  CHECK(parse_time_ps("1.5us").value == 1'500'000);
  CHECK(parse_time_ps("10ms").value == 10 * kMs);
  CHECK(parse_time_ps("1s").value == kSec);
  CHECK(parse_time_ps("0.001ns").value == 1);
  CHECK_FALSE(parse_time_ps("250").ok());
  CHECK_FALSE(parse_time_ps("0.1ps").ok());
  CHECK_FALSE(parse_time_ps("1.0000001ns").ok());
  CHECK_FALSE(parse_time_ps("1US").ok());
  CHECK(parse_time_ps("250").error.find("needs a unit") != std::string::npos);
}

TEST_CASE("rates: bits and bytes per second, whole bytes only") {
  CHECK(parse_rate("10Gb/s").value == 1'250'000'000);
  CHECK(parse_rate("25.6GB/s").value == 25'600'000'000);
  CHECK(parse_rate("8b/s").value == 1);
  CHECK(parse_rate("1KB/s").value == 1000);
  CHECK_FALSE(parse_rate("1b/s").ok());  // an eighth of a byte
  CHECK_FALSE(parse_rate("0Gb/s").ok());
  CHECK_FALSE(parse_rate("10gb/s").ok());
  CHECK_FALSE(parse_rate("10").ok());
}

TEST_CASE("ranges: START+LENGTH and FIRST-LAST") {
  RangeResult a = parse_range("0x10003000+0x1000");
  REQUIRE(a.ok());
  CHECK(a.value.start == 0x10003000);
  CHECK(a.value.length == 0x1000);
  RangeResult b = parse_range("0x1000-0x1fff");
  REQUIRE(b.ok());
  CHECK(b.value.start == 0x1000);
  CHECK(b.value.length == 0x1000);
  CHECK(parse_range("0+4KiB").value.length == 4096);
  CHECK_FALSE(parse_range("0x2000-0x1000").ok());
  CHECK_FALSE(parse_range("0x1000").ok());
  CHECK_FALSE(parse_range("0+0").ok());
  CHECK_FALSE(parse_range("0xffffffffffffffff+2").ok());
}

TEST_CASE("canonical formats re-parse to the same value") {
  for (uint64_t v : {0ull, 1ull, 1536ull, 4096ull, 3ull << 20, 1ull << 40, 12345ull})
    CHECK(parse_size(format_size(v)).value == v);
  CHECK(format_size(4096) == "4KiB");
  CHECK(format_size(1536) == "1536B");
  for (Ps v : std::initializer_list<Ps>{0, 1, 1500, 1500000, 2 * kMs, 3 * kSec, 123456789})
    CHECK(parse_time_ps(format_time(v)).value == v);
  CHECK(format_time(1'500'000) == "1500ns");
  CHECK(format_time(2 * kMs) == "2ms");
  for (uint64_t v : {1ull, 1'250'000'000ull, 25'600'000'000ull, 999ull})
    CHECK(parse_rate(format_rate(v)).value == v);
}

TEST_CASE("human forms") {
  CHECK(human_time(0) == "0 s");
  CHECK(human_time(1'500'000) == "1.500 us");
  CHECK(human_time(12'345'678'900) == "12.346 ms");
  CHECK(human_time(999) == "999 ps");
  CHECK(human_size(512) == "512 B");
  CHECK(human_size(1536) == "1.50 KiB");
  CHECK(human_size(512ull << 20) == "512.00 MiB");
  CHECK(hex(0x3000) == "0x3000");
}

TEST_CASE("transfer time rounds up, the rate clock carries fractions exactly") {
  CHECK(transfer_ps(64, 64'000'000'000) == 1000);
  CHECK(transfer_ps(1, 3) == 333'333'333'334);
  RateClock c(3'000'000'000);  // 333.33 ps per byte
  Ps total = 0;
  for (int i = 0; i < 3000; ++i) total += c.advance(1);
  CHECK(total >= 999'999);
  CHECK(total <= 1'000'000);
}
