#pragma once
// The endpoint doctests' rig: an endpoint from a YAML device description, run by its
// own dispatcher against a root complex that answers every TLP after a fixed latency.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "models/config/config.h"
#include "pcie/endpoint.h"

namespace sim::test {
// A root complex that answers every TLP after a fixed latency.
struct FakePort : TlpPort {
  Ps latency = 500 * kNs;
  std::vector<Tlp> seen;
  TlpResult send(const Tlp& t, Ps at) override {
    seen.push_back(t);
    return {false, at + latency, 0, at + latency};
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

}  // namespace sim::test
