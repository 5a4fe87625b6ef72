// PCIe ordering at a root port (pcie/posted_order.h): posted writes commit in order, a
// write whose translation is late holds the writes and reads behind it, reads never
// hold writes, and a held write keeps its posted credits, so a full buffer stops the
// link.
#include <doctest/doctest.h>

#include <memory>

#include "models/config/config.h"
#include "pcie/endpoint.h"
#include "pcie/posted_order.h"

using namespace sim;

TEST_CASE("posted writes commit in arrival order: a late translation holds the ones behind it") {
  PostedOrder o;
  CHECK(o.not_before() == 0);
  CHECK(o.commit_write(100) == 100);  // nothing ahead: its own time
  CHECK(o.commit_write(500) == 500);  // a miss
  CHECK(o.commit_write(200) == 500);  // a hit behind it waits for it
  CHECK(o.commit_write(300) == 500);
  CHECK(o.commit_write(700) == 700);  // ready after the miss committed: not held
  CHECK(o.writes() == 5);
  CHECK(o.writes_held() == 2);
  CHECK(o.write_hold_ps() == 300 + 200);
  CHECK(o.max_hold_ps() == 300);
  CHECK(o.not_before() == 700);
}

TEST_CASE("reads may not pass posted writes, but never hold a write themselves") {
  PostedOrder o;
  o.commit_write(1000);  // a write whose walk ends at 1000
  // A read behind it reaches memory no earlier than the write's commit (rule B2a).
  const Ps read_ready = 150;
  const Ps read_at = std::max(read_ready, o.not_before());
  CHECK(read_at == 1000);
  o.read(read_ready, read_at);
  CHECK(o.reads_held() == 1);
  CHECK(o.read_hold_ps() == 850);
  // A read whose own translation is late (ready at 5000) does not move the commit
  // point: the next write passes it (A3/A4).
  o.read(5000, 5000);
  CHECK(o.reads_held() == 1);
  CHECK(o.not_before() == 1000);
  CHECK(o.commit_write(1200) == 1200);
}

TEST_CASE("a faulted write still retires in order, and the names select the modes") {
  PostedOrder o;
  CHECK(o.commit_write(400) == 400);  // refused at 400: dropped there, in order
  CHECK(o.commit_write(100) == 400);
  CHECK(pcie_ordering_names().value("relaxed") == PcieOrdering::Relaxed);
  CHECK(pcie_ordering_names().value("strict") == PcieOrdering::Strict);
  CHECK(pcie_ordering_names().name(PcieOrdering::Relaxed) == "relaxed");
}

namespace {
// A root complex whose IOMMU misses the first write to each 4 KiB page (1 us) and hits
// the rest (10 ns), committing in order when `strict`; a write's credits come back when
// it is passed on (its commit).
struct OrderedPort : TlpPort {
  bool strict = false;
  PostedOrder order;
  uint64_t last_page = ~0ull;
  std::vector<Ps> arrivals;
  TlpResult send(const Tlp& t, Ps at) override {
    arrivals.push_back(at);
    const bool miss = (t.addr >> 12) != last_page;
    last_page = t.addr >> 12;
    const Ps ready = at + (miss ? 1000 * kNs : 10 * kNs);
    const Ps commit = strict ? order.commit_write(ready) : ready;
    return {false, commit + 80 * kNs, 0, commit};
  }
  AtsReply translate(uint16_t, uint64_t, bool, Ps at) override {
    return {false, 0, 0, 12, false, false, 0, at};
  }
};

// Writes of 256 B at the link's rate, four posted header credits; how many TLPs reach
// the root complex before the first one's 1 us miss is over.
size_t arrivals_during_first_miss(bool strict) {
  Dispatcher d;
  StatsRegistry stats;
  TraceRecorder trace;
  OrderedPort port;
  port.strict = strict;
  PcieConfig pcie;
  pcie.posted_header_credits = 4;
  ConfigDoc doc = ConfigDoc::from_string(
      "{name: d, bdf: '01:00.0', dma: [{name: w, op: write, region: {iova: 0, length: 1MiB}, "
      "size: 256, rate: max}]}",
      "dev.yaml");
  ConfigReader r = doc.root();
  Endpoint ep(load_device_config(r), pcie, d, stats, trace, 1);
  ep.connect(&port);
  ep.start();
  d.run_until(1000 * kNs);
  return port.arrivals.size();
}
}  // namespace

TEST_CASE("a held write keeps its credits: a full posted buffer stops the link behind a miss") {
  const size_t strict = arrivals_during_first_miss(true);
  const size_t relaxed = arrivals_during_first_miss(false);
  // Strict: the miss and the three writes behind it hold all four credits until the
  // miss commits, so nothing more crosses the link.
  CHECK(strict == 4);
  // Relaxed: the hits behind the miss pass it and return their credits at once, so the
  // rest of its page (16 TLPs of 256 B) and more arrive while it walks, until the misses
  // of later pages hold the credits.
  CHECK(relaxed > 16);
}
