#include "models/tlm/mmio_bridge_tlm.h"

#include <cstring>
#include <stdexcept>

#include "models/base/units.h"
#include "models/tlm/sim_time_tlm.h"

namespace sim {

MmioBridgeTlm::MmioBridgeTlm(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}

void MmioBridgeTlm::add_window(uint64_t base, uint64_t size) {
  windows_.push_back({base, size});
}

uint64_t MmioBridgeTlm::read(uint64_t addr, unsigned size, Ps at) {
  return access(tlm::TLM_READ_COMMAND, addr, 0, size, at);
}

void MmioBridgeTlm::write(uint64_t addr, uint64_t value, unsigned size, Ps at) {
  access(tlm::TLM_WRITE_COMMAND, addr, value, size, at);
}

uint64_t MmioBridgeTlm::access(tlm::tlm_command cmd, uint64_t addr, uint64_t value, unsigned size,
                               Ps at) {
  for (size_t i = 0; i < windows_.size(); ++i) {
    const Window& w = windows_[i];
    if (addr < w.base || addr - w.base >= w.size) continue;
    tlm::tlm_generic_payload gp;
    unsigned char data[8] = {};
    std::memcpy(data, &value, sizeof data);
    gp.set_command(cmd);
    gp.set_address(addr - w.base);
    gp.set_data_ptr(data);
    gp.set_data_length(size);
    gp.set_streaming_width(size);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = delay_until(at);
    socket[i]->b_transport(gp, delay);
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
      throw std::logic_error("MMIO access refused at " + hex(addr));
    uint64_t out = 0;
    std::memcpy(&out, data, sizeof out);
    return out;
  }
  throw std::logic_error("MMIO access to unmapped address " + hex(addr));
}

}  // namespace sim
