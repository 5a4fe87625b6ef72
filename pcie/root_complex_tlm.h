#pragma once
// The root complex: every endpoint's TLPs come in on one multi-socket and go to the
// IOMMU with their requester id; a read's completion path adds host_latency on top
// of the memory access.
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "pcie/pcie_config.h"

namespace sim {

class RootComplexTlm : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<RootComplexTlm> dev_in;
  tlm_utils::simple_initiator_socket<RootComplexTlm> iommu_out;

  RootComplexTlm(sc_core::sc_module_name name, const PcieConfig& c);

 private:
  void b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  sc_core::sc_time host_latency_;
};

}  // namespace sim
