#include "host-sw/driver/dma_api_rx.h"

#include "models/config/config.h"

namespace sim {

DmaApiRxConfig load_dma_api_rx_config(ConfigReader& r) {
  DmaApiRxConfig c;
  c.device = r.text("device");
  c.job = r.text("job");
  c.packet = r.time_ps("packet", c.packet);
  c.warmup = r.time_ps("warmup", c.warmup);
  c.api = load_dma_api_config(r);
  return c;
}

struct DmaApiRx::WaitWork {
  DmaApiRx& rx;
  unsigned cpu;
  bool await_ready() const noexcept { return !rx.work_[cpu].empty(); }
  void await_suspend(std::coroutine_handle<> h) { rx.idle_[cpu] = h; }
  void await_resume() const noexcept {}
};

DmaApiRx::DmaApiRx(IommuDriver& drv, Domain& domain, const DmaApiRxConfig& c, DmaApiRxHooks hooks,
                   StatsRegistry& stats)
    : drv_(drv),
      c_(c),
      hooks_(std::move(hooks)),
      api_(drv, domain, c.api, stats, "dma_api." + c.device),
      work_(c.api.cpus),
      idle_(c.api.cpus),
      packets_(stats.counter("dma_api." + c.device + ".packets", "count",
                             "packets the driver's CPUs received")),
      busy_ns_(stats.counter("dma_api." + c.device + ".cpu_busy_ns", "ns",
                             "CPU time the receive path took, every CPU")),
      unposted_(stats.counter("dma_api." + c.device + ".unposted", "count",
                              "slots left empty: no IOVA to map the buffer at")),
      packet_ns_(stats.histogram("dma_api." + c.device + ".packet_ns", "ns",
                                 "CPU time per packet: stack, unmap, refill and map")) {
  const std::string p = "dma_api." + c.device;
  stats.computed(p + ".cpu_utilisation", "ratio",
                 "busy share of the driver's CPUs since the job's start",
                 [this] { return StatValue(utilisation_); });
  stats.computed(p + ".packets_per_s", "1/s",
                 "packets the CPUs took up after the warm-up, per second (steady throughput)",
                 [this] { return StatValue(pps_); });
}

DmaApiRx::~DmaApiRx() = default;

Task<uint64_t> DmaApiRx::fill(unsigned cpu, unsigned queue, uint64_t slot) {
  const uint64_t buffer = hooks_.refill(queue, slot);
  if (c_.api.mode == DmaApiMode::Static) co_return buffer;
  const uint64_t addr = co_await api_.map(cpu, hooks_.phys(buffer));
  co_return addr ? addr : kNone;
}

Task<> DmaApiRx::open(unsigned queues, uint64_t entries) {
  for (unsigned q = 0; q < queues; ++q)
    for (uint64_t s = 0; s < entries; ++s) {
      const uint64_t addr = co_await fill(q % c_.api.cpus, q, s);
      if (addr != kNone)
        hooks_.post(q, s, addr);
      else
        ++unposted_;
    }
}

void DmaApiRx::start(Ps job_start) {
  measure_from_ = job_start + c_.warmup;
  for (unsigned cpu = 0; cpu < c_.api.cpus; ++cpu)
    loops_.push_back(Fiber::start(loop(cpu), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    }));
}

void DmaApiRx::filled(unsigned queue, uint64_t slot, uint64_t addr) {
  const unsigned cpu = queue % c_.api.cpus;
  work_[cpu].push_back({queue, slot, addr});
  if (std::coroutine_handle<> h = idle_[cpu]) {
    idle_[cpu] = {};
    Dispatcher& d = drv_.env().dispatcher;
    d.schedule(d.now(), Rank::Host, &ResumeTarget::instance(),
               reinterpret_cast<uint64_t>(h.address()));
  }
}

Task<> DmaApiRx::loop(unsigned cpu) {
  HostCpu& hc = drv_.cpu();
  for (;;) {
    co_await WaitWork{*this, cpu};
    const Work w = work_[cpu].front();
    work_[cpu].pop_front();
    const Ps t0 = hc.now();
    co_await hc.charge(c_.packet);
    if (c_.api.mode != DmaApiMode::Static) co_await api_.unmap(cpu, w.addr);
    const uint64_t addr = co_await fill(cpu, w.queue, w.slot);
    if (addr != kNone)
      hooks_.post(w.queue, w.slot, addr);
    else
      ++unposted_;
    ++packets_;
    if (t0 >= measure_from_) ++steady_;
    busy_ns_ += (hc.now() - t0) / kNs;
    packet_ns_.add((hc.now() - t0) / kNs);
  }
}

void DmaApiRx::finalize(Ps end) {
  const Ps start = measure_from_ - c_.warmup;
  const double span = end > start ? double(end - start) / double(kNs) : 0;
  utilisation_ = span > 0 ? double(busy_ns_) / (span * c_.api.cpus) : 0;
  const double steady = end > measure_from_ ? double(end - measure_from_) / double(kSec) : 0;
  pps_ = steady > 0 ? double(steady_) / steady : 0;
}

}  // namespace sim
