#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "models/config/config.h"
#include "pcie/endpoint.h"
#include "pcie/pcie_bench_model.h"
#include "pcie/replay_trace.h"

using namespace sim;

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

namespace {
// A root complex that answers every TLP after a fixed latency.
struct FakePort : TlpPort {
  Ps latency = 500 * kNs;
  std::vector<Tlp> seen;
  TlpResult send(const Tlp& t, Ps at) override {
    seen.push_back(t);
    return {false, at + latency};
  }
  // ATS: pages map to themselves + 4 GiB after 300 ns; pages in `readonly` grant read.
  std::vector<std::pair<uint64_t, bool>> requests;  // (iova, write asked)
  std::vector<uint64_t> readonly;
  AtsReply translate(uint16_t, uint64_t iova, bool write, Ps at) override {
    requests.push_back({iova, write});
    const bool ro = std::find(readonly.begin(), readonly.end(), iova) != readonly.end();
    return {true, iova, iova + (1ull << 32), 12, true, write && !ro, 0x1234000, at + 300 * kNs};
  }
};

struct Rig {
  Dispatcher d;
  StatsRegistry stats;
  TraceRecorder trace;
  FakePort port;
  std::unique_ptr<Endpoint> ep;
  Rig(const std::string& yaml, PcieConfig pcie = {}, uint64_t seed = 1) {
    ConfigDoc doc = ConfigDoc::from_string(yaml, "dev.yaml");
    ConfigReader r = doc.root();
    DeviceConfig dev = load_device_config(r);
    ep = std::make_unique<Endpoint>(dev, pcie, d, stats, trace, seed);
    ep->connect(&port);
    ep->start();
  }
  double goodput(Ps end) {
    d.run_until(end);
    ep->finalize(end);
    return std::get<double>(*stats.get("dev.d.goodput_gbps"));
  }
};
}  // namespace

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

namespace {
struct Ctl : EventTarget {
  Endpoint* ep;
  std::vector<std::pair<Ps, uint64_t>> writes;  // (time, CTRL value)
  uint64_t status_after_stop = 99;
  void on_event(Ps now, uint64_t i) override {
    ep->mmio_write(kEndpointCtrl, writes[i].second, 4, now);
    if (writes[i].second) status_after_stop = ep->mmio_read(kEndpointStatus, 4, now);
  }
};
}  // namespace

TEST_CASE("quiesce register: stop issuing, report drained, resume without a burst") {
  Rig rig(
      "{name: d, bdf: '01:00.0', tags: 4, dma: [{name: r, op: read, region: {iova: 0, length: "
      "1MiB}, size: 64, rate: 1Gb/s}]}");  // one read every 512 ns
  Ctl ctl;
  ctl.ep = rig.ep.get();
  ctl.writes = {{10 * kUs, 1}, {20 * kUs, 0}};
  rig.d.schedule(10 * kUs, Rank::Host, &ctl, 0);
  rig.d.schedule(20 * kUs, Rank::Host, &ctl, 1);
  rig.d.run_until(11 * kUs);
  CHECK(ctl.status_after_stop == 0);                            // reads still in flight at the stop
  CHECK(rig.ep->mmio_read(kEndpointStatus, 4, 11 * kUs) == 1);  // drained within 1 us
  const size_t at_stop = rig.port.seen.size();
  rig.d.run_until(20 * kUs);
  CHECK(rig.port.seen.size() == at_stop);  // nothing issued while stopped
  rig.d.run_until(21 * kUs);
  CHECK(rig.port.seen.size() - at_stop <= 3);  // the old schedule is not caught up
  CHECK(rig.ep->mmio_read(kEndpointCtrl, 4, 21 * kUs) == 0);
}

TEST_CASE("ATS: the first TLPs to a page wait for one translation, later ones hit the ATC") {
  Rig rig(
      "{name: d, bdf: '01:00.0', ats: {enabled: true}, dma: [{name: w, op: write, at: 1us, "
      "iova: 0x5000, length: 1KiB}, {name: w2, op: write, at: 5us, iova: 0x5400, length: 64}]}");
  rig.d.run_until(kMs);
  REQUIRE(rig.port.requests.size() == 1);  // four TLPs of the first DMA share it
  CHECK(rig.port.requests[0] == std::make_pair(uint64_t(0x5000), true));
  REQUIRE(rig.port.seen.size() == 5);
  for (const Tlp& t : rig.port.seen) {
    CHECK(t.translated);
    CHECK(t.pa == t.addr + (1ull << 32));
    CHECK(t.pte_addr == 0x1234000);
  }
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.ats.atc_misses")) == 4);
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.ats.atc_hits")) == 5);  // 4 on completion, 1 later
}

TEST_CASE("ATS: a read grant does not serve a write, a write to a read-only grant faults") {
  Rig rig(
      "{name: d, bdf: '01:00.0', ats: {enabled: true}, dma: [{name: r, op: read, at: 1us, "
      "iova: 0x7000, length: 64}, {name: w, op: write, at: 5us, iova: 0x7000, length: 64}]}");
  rig.port.readonly.push_back(0x7000);
  rig.d.run_until(kMs);
  REQUIRE(rig.port.requests.size() == 2);
  CHECK_FALSE(rig.port.requests[0].second);  // the read asked no write
  CHECK(rig.port.requests[1].second);        // the write asked again, with write
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.faults")) == 1);
  CHECK(rig.port.seen.size() == 1);  // the write never left the device
}

TEST_CASE("ATS: an invalidation takes effect on arrival and completes after its latency") {
  Rig rig(
      "{name: d, bdf: '01:00.0', ats: {enabled: true, inv_latency: 2us}, dma: [{name: a, op: "
      "write, at: 1us, iova: 0x9000, length: 64}, {name: b, op: write, at: 20us, iova: 0x9040, "
      "length: 64}]}");
  rig.d.run_until(10 * kUs);
  REQUIRE(rig.port.requests.size() == 1);
  const Ps back = rig.ep->invalidate_atc(0x9000, 4096, 10 * kUs);
  CHECK(back > 12 * kUs);
  CHECK(back < 13 * kUs);  // 2 us plus two small messages on a Gen3 x8 link
  rig.d.run_until(kMs);
  CHECK(rig.port.requests.size() == 2);  // the second write had to ask again
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.ats.unwritten_write_grants")) == 0);
}

TEST_CASE("ATS: at most max_inv invalidations are outstanding at the device") {
  Rig rig("{name: d, bdf: '01:00.0', ats: {enabled: true, inv_latency: 1us, max_inv: 1}}");
  const Ps a = rig.ep->invalidate_atc(0, 4096, 0);
  const Ps b = rig.ep->invalidate_atc(0x1000, 4096, 0);
  CHECK(b >= a + kUs - 10 * kNs);  // the second waited for the first's slot
}

namespace {
double simulated(const std::string& op, uint64_t size, PcieConfig c = {}, unsigned tags = 256) {
  Rig rig("{name: d, bdf: '01:00.0', tags: " + std::to_string(tags) +
              ", dma: [{name: s, op: " + op +
              ", region: {iova: 0, length: 4MiB}, size: " + std::to_string(size) + ", rate: max}]}",
          c);
  return rig.goodput(200 * kUs);
}
}  // namespace

TEST_CASE("saturated writes of 256 B and 4 KiB, and the sawtooth at MPS + 1, match pcie-bench") {
  for (uint64_t size : {256u, 257u, 4096u})
    CHECK(simulated("write", size) == doctest::Approx(model_write_gbps({}, size)).epsilon(0.01));
  CHECK(simulated("write", 257) < simulated("write", 256));
}

TEST_CASE("reads split into completions at RCB match pcie-bench") {
  PcieConfig c;
  c.completions_at_rcb = true;
  for (uint64_t size : {64u, 1024u})
    CHECK(simulated("read", size, c) == doctest::Approx(model_read_gbps(c, size)).epsilon(0.01));
}

TEST_CASE("Gen4 x16: saturated writes and reads match pcie-bench") {
  PcieConfig c;
  c.gen = 4;
  c.width = 16;
  for (uint64_t size : {64u, 256u, 4096u}) {
    CHECK(simulated("write", size, c) == doctest::Approx(model_write_gbps(c, size)).epsilon(0.01));
    // Little's law: enough tags to cover the round trip at four times the Gen3 x8 rate.
    CHECK(simulated("read", size, c, 1024) ==
          doctest::Approx(model_read_gbps(c, size)).epsilon(0.01));
  }
}

TEST_CASE("the whole bandwidth curve of scenarios/pcie-bandwidth.yaml is within 1% of pcie-bench") {
  for (uint64_t size :
       {64u, 128u, 192u, 256u, 257u, 384u, 512u, 513u, 1024u, 1500u, 2048u, 4096u}) {
    CAPTURE(size);
    CHECK(simulated("write", size) == doctest::Approx(model_write_gbps({}, size)).epsilon(0.01));
    CHECK(simulated("read", size) == doctest::Approx(model_read_gbps({}, size)).epsilon(0.01));
  }
}

TEST_CASE("posted credits: writes stall until the root complex passes earlier ones on") {
  PcieConfig c;
  c.posted_header_credits = 4;
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: 1MiB}, "
      "size: 64, rate: max}]}",
      c);
  // Four 64 B writes per round trip: 500 ns at the port plus about 12 ns on the wire.
  const double round_trip_ns = 500.0 + 88.0 * 8 / 57.885;
  CHECK(rig.goodput(100 * kUs) == doctest::Approx(4 * 64 * 8 / round_trip_ns).epsilon(0.02));
  PcieConfig big;
  big.posted_data_credits = 64;  // 1 KiB: a 4 KiB request waits for a full pool
  Rig rig2(
      "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: 1MiB}, "
      "size: 4096, rate: max}]}",
      big);
  const double g = rig2.goodput(100 * kUs);
  CHECK(g > 0);
  CHECK(g < model_write_gbps({}, 4096));
}

TEST_CASE("NIC ring: per packet a descriptor fetch per batch, the data, write-backs, MSIs") {
  NicRingConfig c;
  c.ring_iova = 0x10000;
  c.ring_entries = 6;
  c.buffers_iova = 0x100000;
  c.buffers_length = 3 * 2048;
  c.desc_batch = 4;
  c.writeback_batch = 2;
  c.msi_every = 3;
  std::vector<NicRequest> r;
  nic_packet_requests(c, 0, 1500, r);
  REQUIRE(r.size() == 2);
  CHECK((!r[0].write && r[0].iova == 0x10000 && r[0].size == 64));  // descriptors 0..3
  CHECK((r[1].write && r[1].iova == 0x100000 && r[1].size == 1500));
  nic_packet_requests(c, 1, 1500, r);
  REQUIRE(r.size() == 2);
  CHECK((r[1].write && r[1].iova == 0x10000 && r[1].size == 32));  // write-back of 0..1
  nic_packet_requests(c, 2, 1500, r);
  REQUIRE(r.size() == 2);
  CHECK((r[1].write && r[1].iova == 0xfee00000 && r[1].size == 4));  // MSI after 3 packets
  nic_packet_requests(c, 4, 1500, r);  // descriptors 4, 5 then 0, 1: the ring wraps
  REQUIRE(r.size() == 3);
  CHECK((r[0].iova == 0x10000 + 4 * 16 && r[0].size == 32));
  CHECK((r[1].iova == 0x10000 && r[1].size == 32));
  CHECK(r[2].iova == 0x100000 + 2048);  // buffer 4 % 3 = 1
  c.receive = false;
  nic_packet_requests(c, 4, 1500, r);
  CHECK_FALSE(r[2].write);  // transmit reads the packet
}

TEST_CASE("NIC ring job: packets at the rate, each packet's requests together") {
  Rig rig(
      "{name: d, bdf: '01:00.0', dma: [{name: rx, pattern: nic_rx, ring: {iova: 0x10000, "
      "entries: 64}, buffers: {iova: 0x100000, length: 1MiB}, size: 1000, rate: 8Gb/s, "
      "desc_batch: 4, writeback_batch: 1, msi_every: 0, count: 8}]}");
  rig.d.run_until(kMs);
  // 8 packets: 2 descriptor reads, 8 data writes (4 TLPs each), 8 write-backs.
  CHECK(std::get<int64_t>(*rig.stats.get("dev.d.requests")) == 18);
  CHECK(rig.port.seen.size() == 2 + 8 * 4 + 8);
  CHECK(rig.ep->idle());
}

TEST_CASE("NIC ring job config errors") {
  auto err = [](const std::string& job) {
    try {
      ConfigDoc doc = ConfigDoc::from_string("{name: d, bdf: '01:00.0', dma: [" + job + "]}", "x");
      ConfigReader r = doc.root();
      load_device_config(r);
      doc.check_unknown_keys();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(err("{name: n, pattern: nic_rx, ring: {iova: 0}, buffers: {iova: 0x1000, length: 1KiB}, "
            "size: 1500, rate: max}")
            .find("buffer_size") != std::string::npos);
  CHECK(err("{name: n, pattern: nic_tx, buffers: {iova: 0, length: 1MiB}, size: 64, rate: max}")
            .find("ring") != std::string::npos);
  CHECK(err("{name: n, pattern: nic_rx, op: write, ring: {iova: 0}, buffers: {iova: 0, length: "
            "1MiB}, size: 64, rate: max}")
            .find("op") != std::string::npos);
}

TEST_CASE("raw link rates for every generation, x1 to x32 (Gen6: FLIT as pcie-bench)") {
  const double per_lane[6] = {
      2.0, 4.0, 8.0 * 128 / 130, 16.0 * 128 / 130, 32.0 * 128 / 130, 64.0 * 242 / 256};
  for (unsigned gen = 1; gen <= 6; ++gen)
    for (unsigned width : {1u, 2u, 4u, 8u, 16u, 32u}) {
      PcieConfig c;
      c.gen = gen;
      c.width = width;
      LinkRates r = link_rates(c);
      CHECK(r.raw_gbps() == doctest::Approx(per_lane[gen - 1] * width).epsilon(1e-9));
      CHECK(r.tlp_gbps() < r.raw_gbps());
      CHECK(r.tlp_gbps() > 0.6 * r.raw_gbps());  // DLLP and SKIP derating (x32: ACKs every 45 B)
    }
}

TEST_CASE("ATC: a 64 KiB translation (AMD v1 replicated leaf) covers its whole page") {
  Atc atc(64, 4);
  AtcEntry e;
  e.size_shift = 16;
  e.vbase = 0x1'0000;
  e.pbase = 0x8000'0000;
  e.r = e.w = true;
  CHECK(atc.lookup(0x1'0000) == nullptr);
  atc.fill(e);
  for (uint64_t off : {0x0ull, 0x5008ull, 0xfff8ull}) {
    AtcEntry* hit = atc.lookup(0x1'0000 + off);
    REQUIRE(hit);
    CHECK(hit->pbase == 0x8000'0000);
  }
  CHECK(atc.lookup(0x2'0000) == nullptr);
  CHECK(atc.invalidate(0x1'4000, 0x1000) == 1);  // a 4 KiB invalidation inside drops it
  CHECK(atc.lookup(0x1'0000) == nullptr);
}
