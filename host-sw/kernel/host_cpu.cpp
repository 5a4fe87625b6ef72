#include "host-sw/kernel/host_cpu.h"

#include <algorithm>
#include <stdexcept>

namespace sim {

namespace {
bool reached(const SparseMemory& mem, uint64_t addr, uint32_t value) {
  // Sequence numbers: a later wait that completed implies ours did (the queue is FIFO,
  // and another CPU's flush may share the status word).
  return int32_t(mem.read32(addr) - value) >= 0;
}
}  // namespace

struct HostCpu::PollUntilWritten {
  HostCpu& cpu;
  Poller p;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    p.h = h;
    cpu.pollers_.push_back(p);
  }
  void await_resume() const noexcept {}
};

Task<> HostCpu::wait_word(SparseMemory& mem, uint64_t addr, uint32_t value) {
  if (reached(mem, addr, value)) co_return;
  if (free_ || !cost_.poll) {
    // Set-up (no time passes): poll event by event, as the queue completes at once.
    for (uint64_t n = 0; !reached(mem, addr, value); ++n) {
      if (n > 100'000'000) throw std::logic_error("host polled a status word forever");
      ++polls_;
      co_await charge(cost_.poll);
    }
    co_return;
  }
  if (watched_ != &mem) {
    watched_ = &mem;
    mem.on_write32 = [this, &mem](uint64_t a) { written(mem, a); };
  }
  co_await PollUntilWritten{*this, {addr, value, now(), {}}};
}

void HostCpu::written(const SparseMemory& mem, uint64_t addr) {
  for (size_t i = 0; i < pollers_.size();) {
    const Poller p = pollers_[i];
    if (p.addr != addr || !reached(mem, addr, p.value)) {
      ++i;
      continue;
    }
    pollers_.erase(pollers_.begin() + ptrdiff_t(i));
    // Polls at start + k * poll; the k-th (k >= 1) is the first at or after the
    // write (a write and a poll at the same time: the write comes first).
    const Ps since = now() - p.start;
    const uint64_t k = std::max<uint64_t>(1, (since + cost_.poll - 1) / cost_.poll);
    polls_ += k;
    d_.schedule(p.start + k * cost_.poll, Rank::Host, &ResumeTarget::instance(),
                reinterpret_cast<uint64_t>(p.h.address()));
  }
}

}  // namespace sim
