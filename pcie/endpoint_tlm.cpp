#include "pcie/endpoint_tlm.h"

#include "models/sim_time_tlm.h"
#include "pcie/payload.h"

namespace sim {

EndpointTlm::EndpointTlm(sc_core::sc_module_name name, const DeviceConfig& dev,
                         const PcieConfig& pcie, Dispatcher& d, StatsRegistry& stats,
                         TraceRecorder& trace, PayloadPool& pool, uint64_t seed)
    : sc_module(name), socket("socket"), core_(dev, pcie, d, stats, trace, seed), pool_(pool) {
  core_.connect(this);
}

TlpResult EndpointTlm::send(const Tlp& tlp, Ps at) {
  tlm::tlm_generic_payload* gp = pool_.acquire();
  gp->set_command(tlp.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_address(tlp.addr);
  gp->set_data_length(tlp.len);
  gp->set_streaming_width(tlp.len);
  // Payload bytes are a pure function of (request id, IOVA byte).
  if (tlp.write) fill_payload(tlp.request_id, tlp.addr, gp->get_data_ptr(), tlp.len);
  DmaExtension* ext = gp->get_extension<DmaExtension>();
  ext->requester_id = tlp.requester;
  ext->request_id = tlp.request_id;
  ext->tlp_index = tlp.index;
  sc_core::sc_time delay = delay_until(at);
  socket->b_transport(*gp, delay);
  TlpResult r;
  r.fault = ext->outcome == DmaExtension::Outcome::Fault ||
            gp->get_response_status() != tlm::TLM_OK_RESPONSE;
  r.done = abs_ps(delay);
  gp->release();
  return r;
}

}  // namespace sim
