#pragma once
// A TLM memory manager that recycles generic payloads, each with its data buffer and
// DmaExtension attached once, so the DMA hot path allocates nothing per transaction.
#include <tlm>

#include <memory>
#include <vector>

#include "models/tlm/dma_extension_tlm.h"

namespace sim {

// A pooled payload keeps a pointer to its own extension: the sender fills it
// without a lookup (receivers, which may get any payload, still look it up).
struct DmaPayload : tlm::tlm_generic_payload {
  explicit DmaPayload(tlm::tlm_mm_interface* mm) : tlm_generic_payload(mm) { set_extension(dma); }
  DmaExtension* dma = new DmaExtension;  // owned by the payload, as every extension
};

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  static constexpr unsigned kMaxBytes = 4096;  // no TLP carries more

  ~PayloadPool() override {
    for (auto* p : all_) delete p;  // a payload deletes its extensions
  }

  // A payload with ref count 1, its extension reset; release() returns it here.
  DmaPayload* acquire() {
    DmaPayload* p;
    if (free_.empty()) {
      p = new DmaPayload(this);
      buffers_.push_back(std::make_unique<unsigned char[]>(kMaxBytes));
      p->set_data_ptr(buffers_.back().get());
      all_.push_back(p);
    } else {
      p = free_.back();
      free_.pop_back();
    }
    p->acquire();
    *p->dma = DmaExtension{};
    p->set_byte_enable_ptr(nullptr);
    p->set_byte_enable_length(0);
    p->set_streaming_width(0);
    p->set_dmi_allowed(false);
    p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    return p;
  }

  void free(tlm::tlm_generic_payload* p) override { free_.push_back(static_cast<DmaPayload*>(p)); }
  size_t allocated() const { return all_.size(); }

 private:
  std::vector<DmaPayload*> all_;
  std::vector<DmaPayload*> free_;
  std::vector<std::unique_ptr<unsigned char[]>> buffers_;
};

}  // namespace sim
