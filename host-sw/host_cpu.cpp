#include "host-sw/host_cpu.h"

#include <stdexcept>

namespace sim {

Task<> HostCpu::wait_word(const SparseMemory& mem, uint64_t addr, uint32_t value) {
  for (uint64_t n = 0; mem.read32(addr) != value; ++n) {
    // Hardware that never answers is a model bug, not a scenario outcome.
    if (n > 100'000'000) throw std::logic_error("host polled a status word forever");
    ++polls_;
    co_await charge(cost_.poll);
  }
}

}  // namespace sim
