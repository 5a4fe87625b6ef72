#include "platform/platform_tlm.h"

#include "iommu/vtd_regs.h"

namespace sim {

namespace {

// The IOMMU unit each device sits behind (the root complex's routes).
std::vector<int> device_units(const Scenario& s) {
  auto unit_of = [&](const std::string& dev) {
    for (size_t u = 0; u < s.iommus.size(); ++u)
      for (const std::string& d : s.iommus[u].devices)
        if (d == dev) return int(u);
    return 0;
  };
  std::vector<int> units;
  for (const DeviceConfig& d : s.devices) units.push_back(unit_of(d.name));
  return units;
}

}  // namespace

Platform::Platform(const Scenario& s, TraceRecorder& trace)
    : s_(s),
      trace_(trace),
      stats_(s.output.timeseries_bucket),
      dispatcher_(s.end),
      memory_(s.memory.size),
      memory_timing_(s.memory.latency, s.memory.bandwidth, s.memory.write_latency),
      oracle_(stats_),
      memory_tlm_("memory", memory_, memory_timing_, unsigned(s.iommus.size())),
      root_complex_("root_complex", s.pcie, device_units(s)),
      mmio_("mmio"),
      dispatcher_tlm_("dispatcher", dispatcher_, s.quantum) {
  HardwareInfo hw;
  std::vector<const Iommu*> units;
  for (const IommuConfig& u : s.iommus) {
    iommus_.push_back(
        std::make_unique<Iommu>(u, memory_, memory_timing_, dispatcher_, stats_, trace_));
    iommu_tlms_.push_back(std::make_unique<IommuTlm>(u.name.c_str(), *iommus_.back()));
    root_complex_.iommu_out.bind(iommu_tlms_.back()->dma_in);
    iommu_tlms_.back()->mem_out.bind(memory_tlm_.port(iommu_tlms_.size() - 1));
    mmio_.add_window(u.mmio_base, kIommuMmioSize);
    mmio_.socket.bind(iommu_tlms_.back()->mmio_in);
    units.push_back(iommus_.back().get());
    hw.units.push_back({u.name, u.mmio_base, u.invalidation.max_order, u.invalidation.encoding,
                        u.invalidation.batch, u.coherent_walk, u.nesting});
    hw.units.back().log_base = u.dirty_log.base;
    hw.units.back().log_entries = u.dirty_log.entries;
  }
  if (s.iommus.size() > 1) Iommu::register_totals(stats_, units);
  for (const DeviceConfig& d : s.devices) {
    endpoints_.push_back(std::make_unique<EndpointTlm>(d.name.c_str(), d, s.pcie, dispatcher_,
                                                       stats_, trace_, s.seed));
    endpoints_.back()->socket.bind(root_complex_.dev_in(endpoints_.size() - 1));
  }
  root_complex_.register_stats(stats_);
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    mmio_.add_window(kEndpointCtrlBase + i * kEndpointCtrlStride, kEndpointCtrlStride);
    mmio_.socket.bind(endpoints_[i]->ctrl_in);
  }

  hw.format = s.iommu.format;
  hw.levels = s.iommu.levels;
  hw.translate = s.iommu.mode == IommuMode::Translate;
  hw.memory_size = s.memory.size;
  for (size_t i = 0; i < s.devices.size(); ++i) {
    hw.devices.push_back({s.devices[i].name, s.devices[i].bdf,
                          kEndpointCtrlBase + i * kEndpointCtrlStride, s.devices[i].ats.enabled,
                          unsigned(root_complex_.unit(i))});
    hw.devices.back().pasid_width = s.devices[i].pasid_width;
    hw.devices.back().pri = s.devices[i].pri;
    hw.devices.back().vf = s.devices[i].vf;
    const DmaLoggingConfig& log = s.devices[i].dma_logging;
    hw.devices.back().dma_logging = log.enabled;
    hw.devices.back().log_max_ranges = log.max_ranges;
    hw.devices.back().log_min_page = log.min_page_size;
    hw.devices.back().log_max_page = log.max_page_size;
    // A DMA logger's reports land in host memory; what it missed or dropped, the oracle hears.
    Endpoint& ep = endpoints_[i]->core();
    ep.on_log_write = [this](uint64_t pa, const void* data, uint64_t len) {
      memory_.write(pa, data, len);
    };
    ep.on_unlogged_write = [this](uint64_t pa, uint64_t len, DirtyLogger::Hit why, Ps) {
      oracle_.unlogged_write(pa, len,
                             why == DirtyLogger::Hit::Overflowed ? Oracle::LogMiss::Overflow
                             : why == DirtyLogger::Hit::Idle     ? Oracle::LogMiss::Stopped
                                                                 : Oracle::LogMiss::Untracked);
    };
    ep.on_log_dropped = [this](uint64_t pa, bool overflowed, Ps) {
      oracle_.log_dropped(pa, overflowed);
    };
  }
  // The oracle sees every DMA write as it lands, and every stale dirty hit.
  memory_tlm_.on_write = [this](uint64_t pa, uint64_t len, Ps at) {
    oracle_.dma_write(pa, len, at, dispatcher_.now());
  };
  for (auto& iommu : iommus_) {
    iommu->on_stale_dirty_hit = [this](uint16_t, uint64_t, uint64_t pa, Ps at) {
      oracle_.stale_dirty_hit(pa, at);
    };
    iommu->on_stale_atc_write = [this](uint16_t, uint64_t pa, Ps at) {
      oracle_.stale_atc_write(pa, at);
    };
    iommu->on_dirty_log_dropped = [this](uint64_t pbase, uint64_t bytes, Ps) {
      oracle_.iommu_log_dropped(pbase, bytes);
    };
    // A nested walk's stage-1 A/D update is a write to a guest page-table page: the
    // oracle counts it as a guest write, so a migration that misses it loses the page.
    iommu->on_guest_table_write = [this](uint16_t, uint64_t, uint64_t hpa, Ps at) {
      oracle_.dma_write(hpa, 8, at, dispatcher_.now());
    };
    // Device-TLB invalidations go down the device's link to its ATC.
    iommu->on_device_tlb_invalidate = [this](uint16_t sid, uint64_t addr, uint64_t bytes, Ps at) {
      for (auto& e : endpoints_)
        if (e->core().bdf() == sid) return e->core().invalidate_atc(addr, bytes, at);
      return at;  // no such device: nothing to wait for
    };
  }
  host_ = std::make_unique<Host>(
      s.host, HostEnv{dispatcher_, memory_, mmio_, stats_, trace_, hw, &oracle_});
  host_->on_step_done([this](const std::string& step, Ps at) {
    for (auto& e : endpoints_) e->start_job_after_step(step, at);
  });

  dispatcher_tlm_.on_start([this] { start(); });
  if (s.end_auto) dispatcher_tlm_.stop_when([this] { return finished(); });
}

Platform::~Platform() = default;

void Platform::start() {
  // Set-up runs before time 0 and takes no simulated time: host costs are free and
  // the IOMMU completes its invalidations at once, still in dispatcher order.
  for (auto& iommu : iommus_) iommu->set_zero_cost(true);
  host_->boot_and_setup();
  while (!host_->setup_done() && dispatcher_.run_one()) {
  }
  open_dma_api();
  for (auto& iommu : iommus_) iommu->set_zero_cost(false);
  host_->start_steps();
  for (auto& e : endpoints_) e->start();
}

// Drivers on the DMA API map their NICs' rings full before time 0, like the set-up.
void Platform::open_dma_api() {
  if (s_.dma_api.empty()) return;
  for (const DmaApiEntry& e : s_.dma_api)
    for (auto& ep : endpoints_)
      if (ep->core().name() == e.rx.device)
        dma_apis_.push_back(std::make_unique<NicDmaApi>(e, ep->core(), *host_, stats_));
  host_->cpu().set_free(true);
  size_t left = dma_apis_.size();
  std::vector<Fiber> opens;
  for (auto& m : dma_apis_)
    opens.push_back(Fiber::start(m->open(), [&left](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      --left;
    }));
  while (left && dispatcher_.run_one()) {
  }
  host_->cpu().set_free(false);
  for (size_t i = 0; i < dma_apis_.size(); ++i) dma_apis_[i]->start(s_.dma_api[i].start);
}

bool Platform::finished() const {
  if (!host_->steps_done()) return false;
  for (auto& e : endpoints_)
    if (!e->idle()) return false;
  return true;
}

Ps Platform::run() {
  // Only a trace (which writes out what is final) or a progress display needs a call
  // after every event, and the call costs three indirect calls an event.
  if (trace_.enabled() || progress_)
    dispatcher_tlm_.on_progress([this](Ps now) {
      trace_.advance(now);
      if (progress_) progress_(now);
    });
  sc_core::sc_start();
  if (progress_stopped_) progress_stopped_();
  ended_at_ = s_.end_auto ? dispatcher_.now() : s_.end;
  for (auto& e : endpoints_) e->finalize(ended_at_);
  for (auto& m : dma_apis_) m->finalize(ended_at_);
  host_->finalize();
  trace_.finish();
  return ended_at_;
}

uint64_t Platform::failed_expectations() const {
  auto v = stats_.get("host.steps_failed");
  return v ? uint64_t(std::get<int64_t>(*v)) : 0;
}

}  // namespace sim
