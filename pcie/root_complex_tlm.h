#pragma once
// The root complex: every endpoint's TLPs come in on one multi-socket and go to the
// IOMMU unit the device sits behind, with their requester id; a read's completion path adds
// host_latency on top of the memory access. With platform.pcie.ordering strict, each
// port keeps PCIe's ordering (pcie/posted_order.h): a request may not reach memory
// before the posted writes that came before it on its port.
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "models/report/stats.h"
#include "pcie/pcie_config.h"
#include "pcie/posted_order.h"

namespace sim {

class RootComplexTlm : public sc_core::sc_module {
 public:
  // Zero devices is a platform too: host software alone (the kernel's selftests need none).
  tlm_utils::multi_passthrough_target_socket<RootComplexTlm, 32, tlm::tlm_base_protocol_types, 0,
                                             sc_core::SC_ZERO_OR_MORE_BOUND>
      dev_in;
  tlm_utils::multi_passthrough_initiator_socket<RootComplexTlm> iommu_out;  // one per unit

  RootComplexTlm(sc_core::sc_module_name name, const PcieConfig& c);
  // TLPs arriving on dev_in port `port` go out on iommu_out port `unit` (default 0).
  void route(int port, int unit);
  // The ordering's statistics (pcie.ordering.*, totals over the ports); registered only
  // with ordering on, so runs without it keep their stats as they were.
  void register_stats(StatsRegistry& stats);

 private:
  void b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  sc_core::sc_time host_latency_;
  std::vector<int> route_;
  bool ordered_;
  std::vector<PostedOrder> orders_;  // per port, with ordering on
};

}  // namespace sim
