#pragma once
// A TLM memory manager that recycles generic payloads, each with its data buffer and
// DmaExtension attached once, so the DMA hot path allocates nothing per transaction.
#include <tlm>

#include <memory>
#include <vector>

#include "models/dma_extension_tlm.h"

namespace sim {

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  static constexpr unsigned kMaxBytes = 4096;  // no TLP carries more

  ~PayloadPool() override {
    for (auto* p : all_) delete p;  // a payload deletes its extensions
  }

  // A payload with ref count 1, its extension reset; release() returns it here.
  tlm::tlm_generic_payload* acquire() {
    tlm::tlm_generic_payload* p;
    if (free_.empty()) {
      p = new tlm::tlm_generic_payload(this);
      buffers_.push_back(std::make_unique<unsigned char[]>(kMaxBytes));
      p->set_data_ptr(buffers_.back().get());
      p->set_extension(new DmaExtension);
      all_.push_back(p);
    } else {
      p = free_.back();
      free_.pop_back();
    }
    p->acquire();
    *p->get_extension<DmaExtension>() = DmaExtension{};
    p->set_byte_enable_ptr(nullptr);
    p->set_byte_enable_length(0);
    p->set_streaming_width(0);
    p->set_dmi_allowed(false);
    p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    return p;
  }

  void free(tlm::tlm_generic_payload* p) override { free_.push_back(p); }
  size_t allocated() const { return all_.size(); }

 private:
  std::vector<tlm::tlm_generic_payload*> all_;
  std::vector<tlm::tlm_generic_payload*> free_;
  std::vector<std::unique_ptr<unsigned char[]>> buffers_;
};

}  // namespace sim
