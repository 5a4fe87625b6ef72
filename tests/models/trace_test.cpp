#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "models/report/trace.h"
#include "models/report/trace_chrome_sink.h"
#include "models/report/trace_diff.h"
#include "models/report/trace_text_sink.h"

using namespace sim;

TEST_CASE("a recorder with no sink is disabled and keeps nothing") {
  TraceRecorder t;
  CHECK_FALSE(t.enabled());
  t.record(5, "x", "y", {});
  t.finish();
  CHECK(t.events_written() == 0);
}

TEST_CASE("events recorded out of order come out in (time, seq) order") {
  std::ostringstream out;
  TraceRecorder t;
  t.add_sink(std::make_unique<TraceTextSink>(out));
  t.record(300, "iommu", "walk", {TraceField::hex("iova", 0x3000), TraceField::dec("levels", 4)});
  t.record(100, "dev.nic0", "dma", {TraceField::str("op", "write")}, TracePhase::Begin, 7);
  t.record(100, "dev.nic0", "tlp", {});
  t.advance(200);  // the two at 100 are final now; 300 may still gain earlier company
  CHECK_THROWS_AS(t.record(150, "x", "late", {}), std::logic_error);
  t.record(250, "host", "busy", {}, TracePhase::Complete, 0, 40);
  t.finish();
  CHECK(out.str() ==
        "# iommu-sim trace v1\n100 dev.nic0 dma op=write id=7\n100 dev.nic0 tlp\n"
        "250 host busy dur=40\n300 iommu walk iova=0x3000 levels=4\n");
  CHECK(t.events_written() == 4);
}

TEST_CASE("a component filter keeps only the named components") {
  std::ostringstream out;
  TraceRecorder t;
  t.add_sink(std::make_unique<TraceTextSink>(out));
  t.set_filter({"iommu"});
  t.record(1, "host", "a", {});
  t.record(2, "iommu", "b", {});
  t.finish();
  CHECK(out.str() == "# iommu-sim trace v1\n2 iommu b\n");
}

TEST_CASE("chrome JSON: phases, ids, exact microsecond timestamps, thread names") {
  std::ostringstream out;
  TraceRecorder t;
  t.add_sink(std::make_unique<TraceChromeSink>(out));
  t.record(3'011'000, "dev.nic0", "dma", {TraceField::hex("iova", 0x10)}, TracePhase::Begin, 9);
  t.record(4'000'001, "dev.nic0", "dma", {}, TracePhase::End, 9);
  t.record(5'000'000, "iommu", "walk", {}, TracePhase::Complete, 0, 250'000);
  t.record(6'000'000, "iommu", "queue", {TraceField::dec("depth", 3)}, TracePhase::Counter);
  t.record(7'000'000, "iommu", "fault", {});
  t.finish();
  auto j = nlohmann::json::parse(out.str());
  auto& ev = j["traceEvents"];
  REQUIRE(ev.size() == 7);  // 5 events + 2 thread names
  CHECK(ev[0]["ph"] == "M");
  CHECK(ev[1]["ph"] == "b");
  CHECK(ev[1]["id"] == 9);
  CHECK(ev[1]["ts"].get<double>() == doctest::Approx(3.011));
  CHECK(ev[1]["args"]["iova"] == "0x10");
  CHECK(ev[2]["ph"] == "e");
  CHECK(out.str().find("\"ts\":4.000001") != std::string::npos);
  CHECK(ev[4]["ph"] == "X");
  CHECK(ev[4]["dur"].get<double>() == doctest::Approx(0.25));
  CHECK(ev[5]["ph"] == "C");
  CHECK(ev[5]["args"]["depth"] == 3);
  CHECK(ev[6]["ph"] == "i");
}

TEST_CASE("chrome JSON is valid with no events") {
  std::ostringstream out;
  {
    TraceChromeSink s(out);
    s.close();
  }
  CHECK(nlohmann::json::parse(out.str())["traceEvents"].empty());
}

TEST_CASE("trace-diff: same, first difference, ignore time, one component, length") {
  std::string a = "# iommu-sim trace v1\n1 dev a x=1\n2 iommu b\n3 dev c\n";
  std::string b = "# iommu-sim trace v1\n1 dev a x=1\n5 iommu b\n3 dev d\n";
  {
    std::istringstream ia(a), ib(a);
    CHECK(trace_diff(ia, ib, {}).same);
  }
  {
    std::istringstream ia(a), ib(b);
    TraceDiffResult r = trace_diff(ia, ib, {});
    CHECK_FALSE(r.same);
    CHECK(r.line_a == 3);
    CHECK(r.text_b == "5 iommu b");
  }
  {
    std::istringstream ia(a), ib(b);
    TraceDiffResult r = trace_diff(ia, ib, {true, ""});
    CHECK(r.line_a == 4);
    CHECK(r.text_a == "3 dev c");
  }
  {
    std::istringstream ia(a), ib(b);
    CHECK(trace_diff(ia, ib, {true, "iommu"}).same);
  }
  {
    std::istringstream ia(a), ib(a + "4 dev e\n");
    TraceDiffResult r = trace_diff(ia, ib, {});
    CHECK_FALSE(r.same);
    CHECK(r.message.find("end of file") != std::string::npos);
  }
}
