#include "pcie/root_complex_tlm.h"

#include <algorithm>

#include "models/tlm/dma_extension_tlm.h"
#include "models/tlm/sim_time_tlm.h"

namespace sim {

RootComplexTlm::RootComplexTlm(sc_core::sc_module_name name, const PcieConfig& c,
                               std::vector<int> units)
    : sc_module(name),
      iommu_out("iommu_out"),
      host_latency_(ps_to_sc(c.host_latency)),
      ordered_(c.ordering == PcieOrdering::Strict) {
  // Sockets are made here: SystemC takes them only while their module is being built.
  for (size_t port = 0; port < units.size(); ++port) {
    const std::string name = "dev_in_" + std::to_string(port);
    dev_in_.push_back(std::make_unique<DevIn>(name.c_str(), this, int(port)));
  }
  route_ = std::move(units);
}

void RootComplexTlm::end_of_elaboration() {
  for (const int unit : route_) units_.emplace_back().bind(iommu_out[unit]);
}

void RootComplexTlm::b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  DmaExtension* ext = ordered_ ? gp.get_extension<DmaExtension>() : nullptr;
  // ATS translation requests are answered by the IOMMU and never reach memory: they
  // are not held (the rule would hold them as reads; no scenario mixes the two yet).
  if (!ext || ext->at == DmaExtension::AddressType::TranslationRequest) {
    units_[size_t(port)](gp, delay);
    if (gp.is_read()) delay += host_latency_;
    return;
  }
  if (orders_.size() <= size_t(port)) orders_.resize(port + 1);
  PostedOrder& o = orders_[port];
  const Ps hold = o.not_before();
  ext->hold_until = hold;
  units_[size_t(port)](gp, delay);
  if (gp.is_write()) {
    o.commit_write(ext->ready);
  } else {
    o.read(ext->ready, std::max<Ps>(ext->ready, hold));
    delay += host_latency_;
  }
}

void RootComplexTlm::register_stats(StatsRegistry& stats) {
  if (!ordered_) return;
  auto total = [this](auto get) {
    return [this, get] {
      uint64_t n = 0;
      for (const PostedOrder& o : orders_) n += get(o);
      return StatValue(int64_t(n));
    };
  };
  stats.computed("pcie.ordering.writes", "count", "posted writes committed in order",
                 total([](const PostedOrder& o) { return o.writes(); }));
  stats.computed("pcie.ordering.writes_held", "count",
                 "posted writes ready before an earlier one had committed",
                 total([](const PostedOrder& o) { return o.writes_held(); }));
  stats.computed("pcie.ordering.write_hold_ns", "ns", "total time writes waited for earlier ones",
                 total([](const PostedOrder& o) { return o.write_hold_ps() / kNs; }));
  stats.computed("pcie.ordering.reads_held", "count",
                 "reads ready before an earlier posted write had committed",
                 total([](const PostedOrder& o) { return o.reads_held(); }));
  stats.computed("pcie.ordering.read_hold_ns", "ns", "total time reads waited for posted writes",
                 total([](const PostedOrder& o) { return o.read_hold_ps() / kNs; }));
  stats.computed("pcie.ordering.max_hold_ns", "ns", "longest wait of one request", [this] {
    Ps m = 0;
    for (const PostedOrder& o : orders_) m = std::max(m, o.max_hold_ps());
    return StatValue(int64_t(m / kNs));
  });
}

}  // namespace sim
