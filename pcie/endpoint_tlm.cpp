#include "pcie/endpoint_tlm.h"

#include <algorithm>
#include <cstring>

#include "models/tlm/sim_time_tlm.h"
#include "pcie/payload.h"

namespace sim {

EndpointTlm::EndpointTlm(sc_core::sc_module_name name, const DeviceConfig& dev,
                         const PcieConfig& pcie, Dispatcher& d, StatsRegistry& stats,
                         TraceRecorder& trace, uint64_t seed)
    : sc_module(name),
      socket("socket"),
      ctrl_in("ctrl_in"),
      core_(dev, pcie, d, stats, trace, seed) {
  core_.connect(this);
  ctrl_in.register_b_transport(this, &EndpointTlm::ctrl);
}

void EndpointTlm::ctrl(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  uint64_t v = 0;
  const unsigned n = std::min<unsigned>(gp.get_data_length(), 8);
  if (gp.is_write()) {
    std::memcpy(&v, gp.get_data_ptr(), n);
    core_.mmio_write(gp.get_address(), v, n, abs_ps(delay));
  } else {
    v = core_.mmio_read(gp.get_address(), n, abs_ps(delay));
    std::memcpy(gp.get_data_ptr(), &v, n);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

TlpResult EndpointTlm::send(const Tlp& tlp, Ps at) {
  DmaExtension& ext = gp_.start(tlp.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND,
                                tlp.translated ? tlp.pa : tlp.addr, tlp.len);
  // Payload bytes are a pure function of (request id, IOVA byte): memory generates them
  // where they land.
  if (tlp.write) {
    ext.generate = &fill_payload;
    ext.generate_key = tlp.request_id;
    ext.generate_addr = tlp.addr;
  }
  ext.requester_id = tlp.requester;
  ext.pasid = tlp.pasid;
  ext.at = tlp.translated ? DmaExtension::AddressType::Translated
                          : DmaExtension::AddressType::Untranslated;
  ext.pte_addr = tlp.pte_addr;
  ext.ready = at;
  sc_core::sc_time delay = delay_until(at);
  rc_(gp_, delay);
  TlpResult r;
  r.fault = ext.outcome == DmaExtension::Outcome::Fault ||
            gp_.get_response_status() != tlm::TLM_OK_RESPONSE;
  r.done = abs_ps(delay);
  r.passed = std::max<Ps>(ext.ready, ext.hold_until);
  r.pa = tlp.translated ? tlp.pa : ext.translated;
  return r;
}

AtsReply EndpointTlm::translate(uint16_t requester, uint64_t iova, bool write, Ps at) {
  DmaExtension& ext = gp_.start(tlm::TLM_READ_COMMAND, iova, 8);
  ext.requester_id = requester;
  ext.at = DmaExtension::AddressType::TranslationRequest;
  ext.want_write = write;
  sc_core::sc_time delay = delay_until(at);
  rc_(gp_, delay);
  AtsReply r;
  r.ok =
      ext.outcome == DmaExtension::Outcome::Ok && gp_.get_response_status() == tlm::TLM_OK_RESPONSE;
  r.vbase = ext.ats_vbase;
  r.pbase = ext.translated;
  r.size_shift = ext.ats_size_shift;
  r.r = ext.ats_r;
  r.w = ext.ats_w;
  r.pte_addr = ext.pte_addr;
  r.ready = abs_ps(delay);
  return r;
}

}  // namespace sim
