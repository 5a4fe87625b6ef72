#pragma once
// The SystemC face of an endpoint: its TLPs cross an initiator socket into the root
// complex, carrying requester id, PASID and address type in a DmaExtension.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/tlm/direct_transport_tlm.h"
#include "models/tlm/dma_payload_tlm.h"
#include "pcie/endpoint.h"

namespace sim {

class EndpointTlm : public sc_core::sc_module, public TlpPort {
 public:
  tlm_utils::simple_initiator_socket<EndpointTlm> socket;
  tlm_utils::simple_target_socket<EndpointTlm> ctrl_in;  // the control register page

  EndpointTlm(sc_core::sc_module_name name, const DeviceConfig& dev, const PcieConfig& pcie,
              Dispatcher& d, StatsRegistry& stats, TraceRecorder& trace, uint64_t seed);

  Endpoint& core() { return core_; }
  void start() { core_.start(); }
  void start_job_after_step(const std::string& step, Ps at) {
    core_.start_job_after_step(step, at);
  }
  bool idle() const { return core_.idle(); }
  void finalize(Ps end) { core_.finalize(end); }

  TlpResult send(const Tlp& tlp, Ps at) override;
  AtsReply translate(uint16_t requester, uint64_t iova, bool write, Ps at) override;

 private:
  void ctrl(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_of_elaboration() override { rc_.bind(socket.operator->()); }
  Endpoint core_;
  // The root complex's transport, looked up once: through the socket, each call
  // first converts the forward interface to its (virtual) blocking base, two
  // dependent loads on every TLP, and the thunk behind it two more.
  TransportCall rc_;
  DmaPayload gp_;  // every TLP and translation request (none is sent inside another)
};

}  // namespace sim
