#include "pcie/root_complex_tlm.h"

#include "models/tlm/sim_time_tlm.h"

namespace sim {

RootComplexTlm::RootComplexTlm(sc_core::sc_module_name name, const PcieConfig& c)
    : sc_module(name),
      dev_in("dev_in"),
      iommu_out("iommu_out"),
      host_latency_(ps_to_sc(c.host_latency)) {
  dev_in.register_b_transport(this, &RootComplexTlm::b_transport);
}

void RootComplexTlm::route(int port, int unit) {
  if (route_.size() <= size_t(port)) route_.resize(port + 1, 0);
  route_[port] = unit;
}

void RootComplexTlm::b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const int unit = size_t(port) < route_.size() ? route_[port] : 0;
  iommu_out[unit]->b_transport(gp, delay);
  if (gp.is_read()) delay += host_latency_;
}

}  // namespace sim
