#pragma once
// The root complex: every endpoint's TLPs come in on a port of their own and go to the
// IOMMU unit the device sits behind, with their requester id; a read's completion path adds
// host_latency on top of the memory access. With platform.pcie.ordering strict, each
// port keeps PCIe's ordering (pcie/posted_order.h): a request may not reach memory
// before the posted writes that came before it on its port.
#include <tlm_utils/multi_passthrough_initiator_socket.h>

#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/report/stats.h"
#include "models/tlm/direct_transport_tlm.h"
#include "models/tlm/port_socket_tlm.h"
#include "pcie/pcie_config.h"
#include "pcie/posted_order.h"

namespace sim {

class RootComplexTlm : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_initiator_socket<RootComplexTlm> iommu_out;  // one per unit

  // One device port (dev_in_N) per entry of `units`, whose TLPs go out on iommu_out
  // port units[N]. Zero devices is a platform too: host software alone (the kernel's
  // selftests need none).
  RootComplexTlm(sc_core::sc_module_name name, const PcieConfig& c, std::vector<int> units);
  // Device port n, to bind its endpoint's socket to.
  tlm::tlm_target_socket<>& dev_in(size_t n) { return *dev_in_[n]; }
  // The IOMMU unit behind device port n.
  int unit(size_t n) const { return route_[n]; }
  // The ordering's statistics (pcie.ordering.*, totals over the ports); registered only
  // with ordering on, so runs without it keep their stats as they were.
  void register_stats(StatsRegistry& stats);

 private:
  void b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_of_elaboration() override;
  using DevIn = PortSocket<RootComplexTlm, &RootComplexTlm::b_transport>;
  std::vector<std::unique_ptr<DevIn>> dev_in_;
  std::vector<int> route_;  // each device port's IOMMU unit
  // Each port's unit's blocking transport, looked up once (as the endpoint's).
  std::vector<TransportCall> units_;
  sc_core::sc_time host_latency_;
  bool ordered_;
  std::vector<PostedOrder> orders_;  // per port, with ordering on
};

}  // namespace sim
