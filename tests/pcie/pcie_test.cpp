// Link timing after pcie-bench, TLP splitting, the endpoint's streams and their patterns,
// device configuration errors, replayed request traces.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "models/config/config.h"
#include "pcie/endpoint.h"
#include "pcie/pcie_bench_model.h"
#include "pcie/replay_trace.h"
#include "tests/pcie/endpoint_rig.h"

using namespace sim;
using sim::test::Rig;

TEST_CASE("TLP splitting: max size and the 4 KiB rule") {
  std::vector<Chunk> c;
  split_tlps(0, 1500, 256, c);
  REQUIRE(c.size() == 6);
  CHECK(c[5].len == 1500 - 5 * 256);
  c.clear();
  split_tlps(4096 - 64, 128, 256, c);  // crosses a 4 KiB boundary
  REQUIRE(c.size() == 2);
  CHECK(c[0].len == 64);
  CHECK(c[1].addr == 4096);
  CHECK(count_tlps(0, 257, 256) == 2);  // the sawtooth at MPS + 1
  CHECK(count_tlps(0, 4096, 512) == 8);
  CHECK(count_tlps(100, 64, 256) == 1);
}

TEST_CASE("link constants after pcie-bench: Gen3 x8") {
  PcieConfig c;
  LinkRates r = link_rates(c);
  CHECK(r.raw_gbps() == doctest::Approx(63.015).epsilon(0.0001));
  CHECK(r.tlp_gbps() == doctest::Approx(57.885).epsilon(0.0001));
  TlpOverheads o = tlp_overheads(c);
  CHECK(o.mwr == 24);
  CHECK(o.cpld == 20);
  c.addressing = 32;
  c.ecrc = true;
  CHECK(tlp_overheads(c).mwr == 24);
}

TEST_CASE("pcie-bench reference points (Gen3 x8, MPS 256, MRRS 512)") {
  PcieConfig c;
  CHECK(model_write_gbps(c, 64) == doctest::Approx(42.10).epsilon(0.001));
  CHECK(model_read_gbps(c, 64) == doctest::Approx(44.10).epsilon(0.001));
  CHECK(model_write_gbps(c, 256) == doctest::Approx(52.92).epsilon(0.001));
  CHECK(model_write_gbps(c, 4096) == doctest::Approx(52.92).epsilon(0.001));
  CHECK(model_write_gbps(c, 257) < model_write_gbps(c, 256));  // sawtooth
  c.completions_at_rcb = true;
  CHECK(model_read_gbps(c, 1024) == doctest::Approx(model_read_gbps(c, 64)).epsilon(0.001));
}

TEST_CASE("link direction: back-to-back TLPs take exactly bytes / rate") {
  PcieConfig c;
  LinkRates r = link_rates(c);
  LinkDirection l(r);
  Ps end = 0;
  for (int i = 0; i < 100000; ++i) end = l.send(0, 88);
  double expect_ps = double(100000ull * 88 * kSec) * double(r.tlp_den) / double(r.tlp_num);
  CHECK(double(end) == doctest::Approx(expect_ps).epsilon(1e-9));
  CHECK(l.tlps() == 100000);
}

TEST_CASE("saturated 64 B writes match pcie-bench within 1%") {
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: 1MiB}, "
      "size: 64, rate: max}]}");
  CHECK(rig.goodput(100 * kUs) == doctest::Approx(model_write_gbps({}, 64)).epsilon(0.01));
}

TEST_CASE("saturated reads match pcie-bench within 1% given enough tags") {
  for (uint64_t size : {64u, 256u, 4096u}) {
    Rig rig(
        "{name: d, bdf: '01:00.0', tags: 256, dma: [{name: r, op: read, region: {iova: 0, "
        "length: 1MiB}, size: " +
        std::to_string(size) + ", rate: max}]}");
    CHECK(rig.goodput(200 * kUs) == doctest::Approx(model_read_gbps({}, size)).epsilon(0.01));
  }
}

TEST_CASE("a rate spaces requests exactly, count stops the stream") {
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0x1000, length: 64KiB}, "
      "size: 1250, rate: 10Gb/s, start: 1us, count: 4}]}");
  rig.d.run_until(kMs);
  // 1250 B = 5 TLPs at MPS 256; the fourth request crosses 0x2000 and needs a sixth.
  REQUIRE(rig.port.seen.size() == 3 * 5 + 6);
  CHECK(rig.port.seen[0].addr == 0x1000);
  CHECK(rig.port.seen[5].addr == 0x1000 + 1250);
  CHECK(rig.ep->idle());
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.requests")) == 4);
}

TEST_CASE("random addresses are aligned, inside the region, and the same for the same seed") {
  auto run = [](uint64_t seed) {
    Rig rig(
        "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0x100000, length: "
        "1MiB}, size: 512, pattern: random, rate: 1Gb/s, count: 50}]}",
        {}, seed);
    rig.d.run_until(kMs);
    std::vector<uint64_t> a;
    for (const Tlp& t : rig.port.seen)
      if (t.index == 0) a.push_back(t.addr);
    return a;
  };
  std::vector<uint64_t> a = run(7), b = run(7), c = run(8);
  REQUIRE(a.size() == 50);
  CHECK(a == b);
  CHECK(a != c);
  for (uint64_t x : a) {
    CHECK(x % 512 == 0);
    CHECK(x >= 0x100000);
    CHECK(x + 512 <= 0x200000);
  }
}

TEST_CASE("tags bound reads in flight") {
  Rig rig(
      "{name: d, bdf: '01:00.0', tags: 4, dma: [{name: r, op: read, region: {iova: 0, length: "
      "1MiB}, size: 64, rate: max}]}");
  rig.d.run_until(400 * kNs);  // before any completion returns
  CHECK(rig.port.seen.size() == 4);
  rig.d.run_until(10 * kUs);
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.read_latency_ns.count")) > 4);
}

TEST_CASE("one-shot DMAs issue at their time, stop ends a stream") {
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: p, op: write, at: 7us, iova: 0x3000, length: 64}, "
      "{name: s, op: write, region: {iova: 0, length: 4KiB}, size: 64, rate: 64MB/s, stop: "
      "10us}]}");
  rig.d.run_until(kMs);
  size_t probes = 0, stream = 0;
  for (const Tlp& t : rig.port.seen) (t.addr == 0x3000 ? probes : stream)++;
  CHECK(probes == 1);
  CHECK(stream == 10);  // one per microsecond in [0, 10us)
}

TEST_CASE("device config errors") {
  auto err = [](const std::string& y) {
    try {
      ConfigDoc doc = ConfigDoc::from_string(y, "d.yaml");
      ConfigReader r = doc.root();
      load_device_config(r);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  CHECK(err("{name: d, bdf: 1:0.0}").find("bdf: expected a requester id") != std::string::npos);
  CHECK(err("{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: "
            "4KiB}, size: 8KiB, rate: max}]}")
            .find("larger than its region") != std::string::npos);
  CHECK(err("{name: d, bdf: '01:00.0', dma: [{name: w, op: copy, at: 1us, iova: 0, length: 1}]}")
            .find("expected one of write, read") != std::string::npos);
  CHECK(err("{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: "
            "4KiB}, size: 64, rate: 1Gb/s, start: 5us, stop: 2us}]}")
            .find("stop must come after start") != std::string::npos);
  uint16_t b;
  CHECK(parse_bdf("01:00.0", b));
  CHECK(b == 0x0100);
  CHECK(format_bdf(0x0a1f) == "0a:03.7");
  CHECK_FALSE(parse_bdf("01:20.0", b));
}

TEST_CASE("zipf: the hot set gets most requests, deterministically, inside the region") {
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: z, op: write, region: {iova: 0, length: 4MiB}, size: "
      "4KiB, pattern: zipf, theta: 1.2, rate: 10Gb/s, count: 2000}]}");
  rig.d.run_until(10 * kMs);
  std::map<uint64_t, int> hits;
  for (const Tlp& t : rig.port.seen)
    if (t.index == 0) ++hits[t.addr];
  int hot = 0, total = 0;
  for (auto& [addr, n] : hits) {
    CHECK(addr % 4096 == 0);
    CHECK(addr < (4u << 20));
    total += n;
    if (addr < 16 * 4096) hot += n;
  }
  CHECK(total == 2000);
  CHECK(hot > total / 2);  // 16 of 1024 pages take most of the traffic
}

TEST_CASE("replay: parsed lines with their places, bad lines named") {
  auto r = parse_replay("# t op iova size\n0 write 0x1000 64\n1.5us read 0x2000 4KiB # comment\n\n",
                        "t.trace");
  REQUIRE(r.size() == 2);
  CHECK(r[1].at == 1'500'000);
  CHECK_FALSE(r[1].write);
  CHECK(r[1].size == 4096);
  auto err = [](const std::string& text) {
    try {
      parse_replay(text, "t.trace");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  CHECK(err("0 write 0x1000\n") == "t.trace:1:1: replay: expected TIME OP IOVA SIZE, got 3 fields");
  CHECK(err("0 write 0x1000 64\n5 copy 0x0 64\n").find("t.trace:2:1: replay: expected a time") ==
        0);
  CHECK(err("1us copy 0x0 64\n") == "t.trace:1:5: replay: expected read or write, got 'copy'");
  CHECK(err("2us write 0x0 64\n1us write 0x0 64\n")
            .find("t.trace:2:1: replay: times must not go backwards") == 0);
  CHECK(err("1us write zz 64\n").find("t.trace:1:11: replay: expected an address") == 0);
  CHECK(err("1us write 0x0 0\n").find("t.trace:1:15:") == 0);
}

TEST_CASE("replay: a job issues the trace's requests at start + their times") {
  std::string path = std::string(SIM_SOURCE_DIR) + "/tests/pcie/sample.trace";
  Rig rig("{name: d, bdf: '01:00.0', tags: 8, dma: [{name: r, pattern: replay, file: '" + path +
          "', start: 2us}]}");
  rig.d.run_until(kMs);
  REQUIRE(rig.port.seen.size() >= 3);
  CHECK(rig.port.seen[0].addr == 0x1000);
  CHECK(rig.port.seen[0].write);
  CHECK_FALSE(rig.port.seen.back().write);
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.requests")) == 3);
}
