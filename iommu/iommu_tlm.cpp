#include "iommu/iommu_tlm.h"

#include <algorithm>
#include <cstring>

#include "models/tlm/dma_extension_tlm.h"
#include "models/tlm/sim_time_tlm.h"

namespace sim {

IommuTlm::IommuTlm(sc_core::sc_module_name name, Iommu& core)
    : sc_module(name),
      dma_in("dma_in", this, 0),
      mem_out("mem_out"),
      mmio_in("mmio_in"),
      core_(core) {
  mmio_in.register_b_transport(this, &IommuTlm::mmio);
}

void IommuTlm::dma(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  DmaExtension* ext = gp.get_extension<DmaExtension>();
  const uint16_t bdf = ext ? ext->requester_id : 0;
  const uint32_t pasid = ext ? ext->pasid : kNoPasid;
  const uint64_t iova = gp.get_address();
  // The root complex's ordering may hold a request behind earlier writes
  // (platform.pcie.ordering; 0 otherwise): it reaches memory no earlier than that.
  const Ps hold = ext ? ext->hold_until : 0;
  // Writes to the interrupt range are MSIs, not DMA: counted, never translated or
  // written to memory (interrupt remapping is not modelled).
  if (gp.is_write() && (iova >> 20) == 0xfee) {
    if (ext) ext->ready = abs_ps(delay);
    if (hold > abs_ps(delay)) delay = delay_until(hold);  // an MSI follows the data
    core_.interrupt(bdf, abs_ps(delay));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  using At = DmaExtension::AddressType;
  if (ext && ext->at == At::TranslationRequest) {
    AtsTranslation a = core_.translate_request(bdf, pasid, iova, ext->want_write, abs_ps(delay));
    ext->outcome = a.ok ? DmaExtension::Outcome::Ok : DmaExtension::Outcome::Fault;
    ext->translated = a.pbase;
    ext->ats_vbase = a.vbase;
    ext->ats_size_shift = a.size_shift;
    ext->ats_r = a.r;
    ext->ats_w = a.w;
    ext->pte_addr = a.pte_addr;
    delay = delay_until(a.ready);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  // SystemC's time stands still inside b_transport: read it once.
  const Ps now = now_ps(), at = now + sc_to_ps(delay);
  Translation t = ext && ext->at == At::Translated
                      ? core_.translated_access(bdf, iova, gp.get_data_length(), gp.is_write(),
                                                ext->pte_addr, at)
                      : core_.translate(bdf, pasid, iova, gp.get_data_length(), gp.is_write(), at);
  if (!t.ok) {
    // An error completion: no byte reaches memory.
    if (ext) {
      ext->outcome = DmaExtension::Outcome::Fault;
      ext->ready = t.ready;
    }
    delay = delay_from(now, std::max<Ps>(t.ready, hold));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (ext) {
    ext->translated = t.pa;
    ext->ready = t.ready;
  }
  gp.set_address(t.pa);
  delay = delay_from(now, std::max<Ps>(t.ready, hold));
  mem_(gp, delay);
  gp.set_address(iova);
  if (gp.is_write()) core_.write_visible(now + sc_to_ps(delay));
}

void IommuTlm::mmio(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  uint64_t value = 0;
  const unsigned size = gp.get_data_length();
  if (gp.is_write()) {
    std::memcpy(&value, gp.get_data_ptr(), std::min<unsigned>(size, 8));
    core_.mmio_write(gp.get_address(), value, size, abs_ps(delay));
  } else {
    value = core_.mmio_read(gp.get_address(), size, abs_ps(delay));
    std::memcpy(gp.get_data_ptr(), &value, std::min<unsigned>(size, 8));
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace sim
