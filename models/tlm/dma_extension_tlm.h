#pragma once
// What a PCIe TLP carries beyond address and data: who asked (requester id, PASID),
// how (ATS address type), and, on the way back, what the IOMMU decided.
#include <tlm>

#include <cstdint>

#include "models/base/requester.h"
#include "models/memory/payload_overlay.h"

namespace sim {

struct DmaExtension : tlm::tlm_extension<DmaExtension> {
  enum class AddressType : uint8_t { Untranslated, TranslationRequest, Translated };
  enum class Outcome : uint8_t { Ok, Fault };

  // Request side.
  uint16_t requester_id = 0;  // bus:dev.fn
  uint32_t pasid = kNoPasid;
  AddressType at = AddressType::Untranslated;
  bool want_write = false;  // translation request: write permission asked (no-write flag clear)
  // Simulator side band (no such field on the wire): the leaf PTE behind a translation.
  uint64_t pte_addr = 0;
  // The root complex's ordering (platform.pcie.ordering): the request may not reach
  // memory before this time (absolute ps; 0 when nothing is ahead of it).
  uint64_t hold_until = 0;
  // A write whose bytes are a pure function of (key, address): byte i is byte
  // `generate_addr + i` of key's stream. The target hands the stream to its store,
  // which writes the bytes only when something needs them; the data buffer is left
  // unfilled.
  PayloadGenerator generate = nullptr;
  uint64_t generate_key = 0, generate_addr = 0;
  // Response side, filled by the IOMMU.
  Outcome outcome = Outcome::Ok;  // Fault: an error completion, no byte reached memory
  uint64_t translated = 0;        // the physical address (a translation completion's page)
  uint64_t ready = 0;  // when translated (or refused), before any ordering hold; absolute ps
  // Translation completion: the page, its size and what it grants.
  uint64_t ats_vbase = 0;
  uint8_t ats_size_shift = 12;
  bool ats_r = false, ats_w = false;

  tlm::tlm_extension_base* clone() const override { return new DmaExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    *this = static_cast<const DmaExtension&>(o);
  }
};

}  // namespace sim
