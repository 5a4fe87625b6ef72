#include "host-sw/host_cpu.h"

#include <stdexcept>

namespace sim {

Task<> HostCpu::wait_word(const SparseMemory& mem, uint64_t addr, uint32_t value) {
  // Sequence numbers: a later wait that completed implies ours did (the queue is FIFO,
  // and another CPU's flush may share the status word).
  for (uint64_t n = 0; int32_t(mem.read32(addr) - value) < 0; ++n) {
    // Hardware that never answers is a model bug, not a scenario outcome.
    if (n > 100'000'000) throw std::logic_error("host polled a status word forever");
    ++polls_;
    co_await charge(cost_.poll);
  }
}

}  // namespace sim
