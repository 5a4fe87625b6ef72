// Endpoint features beyond plain streams: the quiesce register, ATS and the ATC,
// bandwidth curves against pcie-bench, posted credits, the descriptor-ring NIC.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "models/config/config.h"
#include "pcie/endpoint.h"
#include "pcie/pcie_bench_model.h"
#include "tests/pcie/endpoint_rig.h"

using namespace sim;
using sim::test::FakePort;
using sim::test::Rig;

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
