// TLM module tests of the assembled platform, one simulation per process.
#include "tests/tlm/tlm_main.h"

#include "pcie/payload.h"
#include "tests/tlm/platform_run.h"

using namespace sim;
using Run = sim::test::PlatformRun;

namespace {

const char* kOneRead = R"(
version: 1
name: t
sim: {end: 10us}
platform:
  memory: {size: 1GiB, latency: 80ns, bandwidth: 25.6GB/s}
  iommu: {mode: passthrough}
  pcie: {gen: 3, width: 8, mps: 256, host_latency: 450ns}
devices:
  - {name: d, bdf: "01:00.0", dma: [{name: r, op: read, at: 1us, iova: 0x1000, length: 64}]}
)";

}  // namespace

TEST_CASE("a single 64 B read takes host_latency + memory + wire time, to the picosecond") {
  Run r(kOneRead);
  auto [begin, end] = r.dma(1);
  LinkDirection tx(link_rates(r.s.pcie)), rx(link_rates(r.s.pcie));
  const Ps mrd = tx.send(0, 24), cpld = rx.send(0, 64 + 20);
  const Ps memory = 80 * kNs + transfer_ps(64, 25'600'000'000);
  CHECK(begin == kUs);
  CHECK(end - begin == mrd + memory + 450 * kNs + cpld);
  CHECK((end - begin) / kNs == 547);  // pcie-bench's measured median on Xeon E5: 546-547 ns
}

TEST_CASE("a DMA write's payload lands byte for byte, generated where it lands") {
  // Passthrough, so IOVA = PA; an unaligned start and a tail shorter than a word.
  Run r(R"(
version: 1
name: t
sim: {end: 20us}
platform:
  iommu: {mode: passthrough}
devices:
  - {name: d, bdf: "01:00.0", dma: [{name: w, op: write, at: 1us, iova: 0x1ff7f3, length: 5000}]}
)");
  CHECK(r.stat("dev.d.bytes_written") == 5000);
  std::vector<uint8_t> got(5000 + 16), want(5000 + 16, 0);
  r.p->memory().read(0x1ff7f3 - 8, got.data(), got.size());
  fill_payload(1, 0x1ff7f3, want.data() + 8, 5000);  // request 1's bytes at their IOVAs
  CHECK(got == want);                                // and nothing written either side
}

TEST_CASE("through the IOMMU a first write misses, walks and sets D, a fault writes nothing") {
  Run r(R"(
version: 1
name: t
sim: {end: 50us}
devices:
  - name: d
    bdf: "01:00.0"
    dma:
      - {name: ok, op: write, at: 5us, iova: 0x2000, length: 64}
      - {name: bad, op: write, at: 6us, iova: 0x900000, length: 64}
host:
  memory: [{name: g, size: 1MiB}]
  setup:
    - {op: ioas_alloc, id: a}
    - {op: hwpt_alloc, id: h, ioas: a, dirty_tracking: true}
    - {op: attach, device: d, hwpt: h}
    - {op: ioas_map, ioas: a, iova: 0, user: g, length: 1MiB}
  steps:
    - {at: 1us, op: set_dirty_tracking, hwpt: h, enable: true}
    - {at: 20us, op: get_dirty_bitmap, hwpt: h, iova: 0, length: 1MiB, expect_dirty: ["0x2000+0x1000"]}
)");
  StatsRegistry& st = r.p->stats();
  CHECK(std::get<int64_t>(*st.get("iommu.ad.dirty_sets")) == 1);
  CHECK(std::get<int64_t>(*st.get("iommu.faults.not_present")) == 1);
  CHECK(std::get<int64_t>(*st.get("dev.d.faults")) == 1);
  CHECK(std::get<int64_t>(*st.get("dev.d.bytes_written")) == 64);
  CHECK(std::get<int64_t>(*st.get("host.steps_failed")) == 0);
  bool walked = false;
  for (const TraceEvent& e : r.cap->events) walked |= e.component == "iommu" && e.event == "walk";
  CHECK(walked);
}
