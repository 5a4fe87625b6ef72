#pragma once
// The host CPU's path to device registers: an MmioBus whose accesses cross a TLM
// socket into the register target of the IOMMU or an endpoint, at the host
// operation's timestamp.
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <systemc>
#include <tlm>

#include <vector>

#include "models/memory/mmio.h"

namespace sim {

class MmioBridgeTlm : public sc_core::sc_module, public MmioBus {
 public:
  tlm_utils::multi_passthrough_initiator_socket<MmioBridgeTlm> socket;

  explicit MmioBridgeTlm(sc_core::sc_module_name name);

  // The window [base, base+size) goes to the target bound as the n-th binding
  // (windows are declared in binding order).
  void add_window(uint64_t base, uint64_t size);

  uint64_t read(uint64_t addr, unsigned size, Ps at) override;
  void write(uint64_t addr, uint64_t value, unsigned size, Ps at) override;

 private:
  struct Window {
    uint64_t base, size;
  };
  uint64_t access(tlm::tlm_command cmd, uint64_t addr, uint64_t value, unsigned size, Ps at);

  std::vector<Window> windows_;
};

}  // namespace sim
