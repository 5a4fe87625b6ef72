// vEVENTQs and HW queues: reporting an event to a vIOMMU's queue of its type (as
// iommufd_viommu_report_event), the driver's fault handler that forwards a stage-1
// fault of a nested context to the guest (as SMMUv3's arm_smmu_handle_event forwards
// a non-stall stage-1 event of a master behind a vIOMMU: stage-2 faults stay the
// host's), and destroying both objects.
#include "host-sw/vmm/host.h"

namespace sim {

std::vector<uint8_t> S1FaultEvent::encode() const {
  std::vector<uint8_t> b(16, 0);
  for (int i = 0; i < 8; ++i) b[i] = uint8_t(addr >> (8 * i));
  for (int i = 0; i < 4; ++i) b[8 + i] = uint8_t(virt_id >> (8 * i));
  b[12] = reason;
  b[13] = write ? 1 : 0;
  return b;
}

S1FaultEvent S1FaultEvent::decode(const std::vector<uint8_t>& b) {
  S1FaultEvent e;
  if (b.size() < 16) return e;
  for (int i = 0; i < 8; ++i) e.addr |= uint64_t(b[i]) << (8 * i);
  for (int i = 0; i < 4; ++i) e.virt_id |= uint32_t(b[8 + i]) << (8 * i);
  e.reason = b[12];
  e.write = b[13] & 1;
  return e;
}

void Host::enable_vevent_stats() {
  if (vevent_stats_on_) return;
  vevent_stats_on_ = true;
  static const char* const kStats[][2] = {
      {"host.vevent.reported", "vEVENTs queued for a guest"},
      {"host.vevent.lost", "vEVENTs lost to a full vEVENTQ (the LOST_EVENTS header queued)"},
      {"host.vevent.read", "vEVENTs read from vEVENTQs (headers not counted)"},
      {"host.vevent.faults_forwarded",
       "stage-1 faults of nested contexts the driver reported to a vEVENTQ"},
      {"host.vevent.faults_kept",
       "logged faults the driver did not forward (stage 2, not nested, no vDEVICE or no "
       "vEVENTQ)"}};
  for (int i = 0; i < 5; ++i) {
    const uint64_t* v = &vevent_stats_[i];
    env_.stats.computed(kStats[i][0], "count", kStats[i][1],
                        [v] { return StatValue(int64_t(*v)); });
  }
}

Errno Host::report_vevent(const std::string& viommu, VeventqType type, std::vector<uint8_t> data) {
  for (auto& [name, q] : veventqs_) {
    if (q.viommu != viommu || q.queue.type() != uint32_t(type)) continue;
    const uint32_t before = q.queue.num_events();
    // The event's allocation (kzalloc, GFP_ATOMIC) is not a failure point: a report
    // is no call to unwind (a failed one becomes the LOST_EVENTS header).
    Errno e = q.queue.report(std::move(data));
    ++vevent_stats_[q.queue.num_events() > before ? kVeventsReported : kVeventsLost];
    return e;
  }
  return Errno::Eopnotsupp;
}

void Host::forward_faults() {
  for (const auto& [unit, rec] : drv_.drain_fault_logs()) {
    bool sent = false;
    const HardwareInfo::Device* dev = nullptr;
    for (const HardwareInfo::Device& d : env_.hw.devices)
      if (d.bdf == rec.sid && d.unit == unit) dev = &d;
    const Vdevice* vd = dev ? vdevice_of(dev->name) : nullptr;
    // The device's requests without a PASID go through a nested HWPT on the vIOMMU
    // that gave it its virtual ID (SMMUv3's vmaster).
    auto at = dev ? attached_.find({dev->name, kNoPasid}) : attached_.end();
    if (rec.stage == 1 && vd && at != attached_.end() &&
        hwpts_.at(at->second).viommu == vd->viommu) {
      S1FaultEvent ev{rec.addr, uint32_t(vd->virt_id), rec.reason, rec.write};
      sent = report_vevent(vd->viommu, VeventqType::S1Fault, ev.encode()) == Errno::Ok;
    }
    ++vevent_stats_[sent ? kFaultsForwarded : kFaultsKept];
  }
}

Errno Host::destroy_veventq(const std::string& name) {
  auto it = veventqs_.find(name);
  if (it == veventqs_.end()) return Errno::Enoent;
  if (it->second.fd_open) return Errno::Ebusy;  // its file's reference
  veventqs_.erase(it);                          // the events still queued go with it
  objects_.remove(ObjectType::Veventq, name);
  return Errno::Ok;
}

Errno Host::destroy_hw_queue(const std::string& name) {
  auto it = hw_queues_.find(name);
  if (it == hw_queues_.end()) return Errno::Enoent;
  Viommu& vi = viommus_.at(it->second.viommu);
  // The selftest driver makes each queue depend on the one before it.
  const uint32_t next = it->second.index + 1;
  if (next < Viommu::kHwQueueMax && !vi.hw_queue[next].empty()) return Errno::Ebusy;
  vi.hw_queue[it->second.index].clear();
  hw_queues_.erase(it);  // the access's destructor unpins and detaches
  objects_.remove(ObjectType::HwQueue, name);
  return Errno::Ok;
}

}  // namespace sim
