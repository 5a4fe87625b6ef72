#pragma once
// The IOMMU's SystemC face: DMA TLPs in (translated, then forwarded to memory, or
// refused with no byte written), PTE and data traffic out to memory, and its
// register page for host MMIO.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "iommu/iommu.h"
#include "models/tlm/direct_transport_tlm.h"
#include "models/tlm/port_socket_tlm.h"

namespace sim {

class IommuTlm : public sc_core::sc_module {
 public:
  // A DMA TLP from the root complex (dma_in's transport).
  void dma(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  PortSocket<IommuTlm, &IommuTlm::dma> dma_in;
  tlm_utils::simple_initiator_socket<IommuTlm> mem_out;
  tlm_utils::simple_target_socket<IommuTlm> mmio_in;

  IommuTlm(sc_core::sc_module_name name, Iommu& core);

 private:
  void mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_of_elaboration() override { mem_.bind(mem_out.operator->()); }
  Iommu& core_;
  // mem_out's blocking transport, looked up once (as the endpoint's).
  TransportCall mem_;
};

}  // namespace sim
