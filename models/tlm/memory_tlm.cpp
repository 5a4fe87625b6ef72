#include "models/tlm/memory_tlm.h"

#include "models/tlm/dma_extension_tlm.h"
#include "models/tlm/sim_time_tlm.h"

namespace sim {

MemoryTlm::MemoryTlm(sc_core::sc_module_name name, SparseMemory& store, MemoryTiming& timing,
                     unsigned ports)
    : sc_module(name), store_(store), timing_(timing) {
  // Sockets are made here: SystemC takes them only while their module is being built.
  for (unsigned i = 0; i < ports; ++i) {
    const std::string port = "socket_" + std::to_string(i);
    ports_.push_back(std::make_unique<Port>(port.c_str(), this, int(i)));
  }
}

void MemoryTlm::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr + len < addr || addr + len > store_.size()) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const bool write = trans.is_write();
  const DmaExtension* ext = write ? trans.get_extension<DmaExtension>() : nullptr;
  const bool generated = ext && ext->generate;
  if (generated) store_.prefetch(addr);
  const Ps now = now_ps();  // SystemC's time stands still inside b_transport
  const Ps done = timing_.access(now + sc_to_ps(delay), len, write);
  if (write) {
    // The observer first: its per-page lookup and the store's (prefetched) overlap.
    if (on_write) on_write(addr, len, done);
    if (generated)
      store_.write_generated(addr, len, ext->generate, ext->generate_key, ext->generate_addr);
    else
      store_.write(addr, trans.get_data_ptr(), len);
    bytes_written_ += len;
  } else if (trans.is_read()) {
    store_.read(addr, trans.get_data_ptr(), len);
    bytes_read_ += len;
  }
  delay = delay_from(now, done);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace sim
