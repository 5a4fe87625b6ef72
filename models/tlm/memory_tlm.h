#pragma once
// The TLM face of physical memory: a target that moves bytes in the sparse store (a
// write whose DmaExtension carries a generator hands the store that stream) and
// annotates each access with its latency and its slot on the bandwidth channel.
#include <functional>
#include <memory>
#include <systemc>
#include <tlm>

#include "models/memory/memory_timing.h"
#include "models/memory/sparse_memory.h"
#include "models/tlm/port_socket_tlm.h"

namespace sim {

class MemoryTlm : public sc_core::sc_module {
 public:
  // `ports` target sockets, one per IOMMU unit.
  MemoryTlm(sc_core::sc_module_name name, SparseMemory& store, MemoryTiming& timing,
            unsigned ports = 1);
  tlm::tlm_target_socket<>& port(size_t n) { return *ports_[n]; }

  // Called for every write that lands, before its bytes are stored (the migration
  // oracle counts generations).
  std::function<void(uint64_t addr, uint64_t len, Ps visible)> on_write;  // when readers see it

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  using Port = PortSocket<MemoryTlm, &MemoryTlm::b_transport>;
  std::vector<std::unique_ptr<Port>> ports_;

  SparseMemory& store_;
  MemoryTiming& timing_;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace sim
