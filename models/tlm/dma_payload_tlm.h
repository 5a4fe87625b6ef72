#pragma once
// The one transaction an endpoint sends, reused for each TLP: blocking transport returns
// with it, and no target on the DMA path keeps a payload past its b_transport, so a
// pool (and its reference counting) bought nothing but work on every TLP.
#include <tlm>

#include <cstdint>
#include <memory>

#include "models/tlm/dma_extension_tlm.h"

namespace sim {

class DmaPayload : public tlm::tlm_generic_payload {
 public:
  static constexpr unsigned kMaxBytes = 4096;  // no TLP carries more

  // Without a memory manager: the payload owns its extension (freed with it). The data
  // buffer and the absent byte enables are the initiator's alone: set once.
  DmaPayload() {
    set_extension(dma_);
    set_data_ptr(data_.get());
    set_byte_enable_ptr(nullptr);
    set_byte_enable_length(0);
  }

  // The payload reset for a new transaction of `len` bytes at `addr`; its extension,
  // returned, is reset too (fields the last transaction's targets wrote included).
  DmaExtension& start(tlm::tlm_command cmd, uint64_t addr, unsigned len) {
    set_command(cmd);
    set_address(addr);
    set_data_length(len);
    set_streaming_width(len);
    set_dmi_allowed(false);
    set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    *dma_ = DmaExtension{};
    return *dma_;
  }

 private:
  DmaExtension* dma_ = new DmaExtension;
  std::unique_ptr<unsigned char[]> data_ = std::make_unique<unsigned char[]>(kMaxBytes);
};

}  // namespace sim
