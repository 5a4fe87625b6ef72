#pragma once
// What a PCIe TLP carries beyond address and data: who asked (requester id, PASID),
// how (ATS address type), and, on the way back, what the IOMMU decided.
#include <tlm>

#include <cstdint>

#include "models/requester.h"

namespace sim {

struct DmaExtension : tlm::tlm_extension<DmaExtension> {
  enum class AddressType : uint8_t { Untranslated, TranslationRequest, Translated };
  enum class Outcome : uint8_t { Ok, Fault };

  // Request side.
  uint16_t requester_id = 0;  // bus:dev.fn
  uint32_t pasid = kNoPasid;
  AddressType at = AddressType::Untranslated;
  uint64_t request_id = 0;  // the endpoint's DMA serial: names the payload pattern and trace ids
  uint32_t tlp_index = 0;   // which TLP of the request
  // Response side, filled by the IOMMU.
  Outcome outcome = Outcome::Ok;
  uint8_t fault_reason = 0;
  uint64_t translated = 0;

  tlm::tlm_extension_base* clone() const override { return new DmaExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    *this = static_cast<const DmaExtension&>(o);
  }
  void reset_response() {
    outcome = Outcome::Ok;
    fault_reason = 0;
    translated = 0;
  }
};

}  // namespace sim
