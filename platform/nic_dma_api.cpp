#include "platform/nic_dma_api.h"

#include <set>

#include "models/base/input_error.h"
#include "models/config/config.h"

namespace sim {

std::vector<DmaApiEntry> load_dma_api(ConfigReader& root, const std::vector<DeviceConfig>& devices,
                                      const HostConfig& host) {
  std::vector<DmaApiEntry> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (ConfigReader r : root.list("dma_api")) {
    DmaApiEntry e{load_dma_api_rx_config(r), r.mark("device")};
    const DmaJobConfig* job = nullptr;
    bool device = false;
    for (const DeviceConfig& d : devices) {
      if (d.name != e.rx.device) continue;
      device = true;
      for (const DmaJobConfig& j : d.jobs)
        if (j.name == e.rx.job) job = &j;
    }
    if (!device) r.fail("device", "no device named '" + e.rx.device + "'");
    if (!job || !job->nic_mq) r.fail("job", "expected the name of a nic_mq_rx job of the device");
    // A packet that finds no buffer is dropped at its own time: the job needs a rate.
    if (!job->start_after.empty())
      r.fail("job", "the job must start at a time (start), not after a host step");
    if (!job->rate) r.fail("job", "the job needs a rate (not max) when its buffers are mapped");
    e.start = job->start;
    bool attached = false;
    for (const auto& op : host.setup) attached = attached || op->attaches_device(e.rx.device);
    if (!attached)
      r.fail("device",
             "the device must be attached to a HWPT by host.setup (the driver maps "
             "into its domain)");
    if (!seen.insert({e.rx.device, e.rx.job}).second) r.fail("job", "this job is mapped twice");
    out.push_back(std::move(e));
  }
  return out;
}

NicDmaApi::NicDmaApi(const DmaApiEntry& e, Endpoint& ep, Host& host, StatsRegistry& stats) {
  const auto at = host.attachments().find({e.rx.device, kNoPasid});
  if (at == host.attachments().end())
    throw InputError(e.mark, "dma_api.device",
                     "device '" + e.rx.device + "' is not attached to a HWPT after setup");
  Domain& domain = *host.hwpts().at(at->second).domain;
  IommuDriver& drv = host.driver();
  const DmaApiConfig& api = e.rx.api;
  const uint64_t last = api.iova_base + api.iova_length - 4096;
  if (drv.find_leaf(domain, api.iova_base).first || drv.find_leaf(domain, last).first)
    throw InputError(e.mark, "dma_api.iova.base",
                     "the IOVA window overlaps what the set-up mapped in the device's domain");
  nic_ = ep.map_buffers(e.rx.job, this, stats);
  DmaApiRxHooks hooks;
  NicMultiQueue* nic = nic_;
  hooks.refill = [nic](unsigned q, uint64_t s) { return nic->refill(q, s); };
  hooks.post = [nic](unsigned q, uint64_t s, uint64_t addr) { nic->post(q, s, addr); };
  hooks.phys = [&drv, &domain, mark = e.mark](uint64_t buffer) {
    const auto [pte, level] = drv.find_leaf(domain, buffer);
    if (!pte)
      throw InputError(mark, "dma_api.job", "the job's buffers are not mapped by the set-up");
    const Pte p = drv.format().decode(drv.env().memory.read64(pte), level);
    return p.addr + (buffer & ((1ull << p.size_shift) - 1));
  };
  rx_ = std::make_unique<DmaApiRx>(drv, domain, e.rx, std::move(hooks), stats);
}

}  // namespace sim
