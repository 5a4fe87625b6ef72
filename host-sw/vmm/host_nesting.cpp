// Destroying nesting's objects, and the lookups the nesting operations share. Each
// object holds what it was built on (iommufd's refcounts on obj.users): a nested HWPT
// its parent or vIOMMU, a vIOMMU its parent, a vDEVICE, vEVENTQ or HW queue its vIOMMU;
// IOMMU_DESTROY of a held object is EBUSY.
#include "host-sw/vmm/host.h"

namespace sim {

Host::Hwpt* Host::find_paging(const std::string& hwpt) {
  auto it = hwpts_.find(hwpt);
  return it == hwpts_.end() || it->second.nested() ? nullptr : &it->second;
}

void Host::guest_cpu_write(uint64_t pa) {
  cpu_dirty_.insert(pa & ~0xfffull);
  if (env_.observer) env_.observer->guest_write(pa, cpu_.now());
}

void Host::enable_nesting_stats() {
  if (nesting_stats_) return;
  nesting_stats_ = true;
  const IommuDriver::NestedCounts& n = drv_.nested_counts();
  env_.stats.computed("host.nested.inv_requests", "count",
                      "guest invalidation requests (HWPT_INVALIDATE entries) handled",
                      [&n] { return StatValue(int64_t(n.requests)); });
  env_.stats.computed("host.nested.inv_descriptors", "count",
                      "stage-1 and device-TLB descriptors they became",
                      [&n] { return StatValue(int64_t(n.descriptors)); });
  env_.stats.computed("host.nested.inv_ns", "ns",
                      "host time from their submit to their wait's completion",
                      [&n] { return StatValue(int64_t(n.time / kNs)); });
}

unsigned Host::unit_of(const std::string& device) const {
  const HardwareInfo::Device* d = device_info(device);
  return d ? d->unit : 0;
}

bool Host::nesting_capable(const std::string& device) const {
  if (const HardwareInfo::Device* d = device_info(device)) return env_.hw.units.at(d->unit).nesting;
  for (const auto& u : env_.hw.units)
    if (!u.nesting) return false;
  return true;
}

Task<Errno> Host::hwpt_invalidate(const std::string& target,
                                  const std::vector<S1Invalidation>& reqs, uint32_t& done) {
  done = 0;
  if (auto hw = hwpts_.find(target); hw != hwpts_.end()) {
    if (!hw->second.nested()) co_return Errno::Einval;
    co_return co_await drv_.cache_invalidate_user(*hw->second.domain, reqs, done);
  }
  auto vi = viommus_.find(target);
  if (vi == viommus_.end())
    co_return objects_.id_of(std::nullopt, target) ? Errno::Einval : Errno::Enoent;
  for (const S1Invalidation& q : reqs) {
    auto vd = vi->second.vdevs.find(q.vdev_id);
    if (vd == vi->second.vdevs.end()) co_return Errno::Eio;
    const std::string& device = vdevices_.at(vd->second).device;
    Domain* nested = nullptr;  // the device's nested HWPT on this vIOMMU
    for (const auto& [key, name] : attached_) {
      const Hwpt& a = hwpts_.at(name);
      if (key.first == device && a.viommu == target) nested = a.domain;
    }
    uint32_t one = 0;
    Errno e = Errno::Ok;
    const std::vector<S1Invalidation> single(1, q);
    if (nested)
      e = co_await drv_.cache_invalidate_user(*nested, single, one);
    else if (int why = q.refusal())
      e = why == S1Invalidation::kRefuseFlags ? Errno::Eopnotsupp : Errno::Einval;
    if (e != Errno::Ok) co_return e;
    ++done;
  }
  co_return Errno::Ok;
}

Task<Errno> Host::destroy_nested(const std::string& hwpt) {
  auto it = hwpts_.find(hwpt);
  if (it == hwpts_.end() || !it->second.nested()) co_return Errno::Enoent;
  for (const auto& [dev, name] : attached_)
    if (name == hwpt) co_return Errno::Ebusy;
  drv_.domain_free(it->second.domain);  // no tables of its own: the guest owns stage 1
  hwpts_.erase(it);
  objects_.remove(ObjectType::Hwpt, hwpt);
  co_return Errno::Ok;
}

Errno Host::destroy_viommu(const std::string& viommu) {
  auto it = viommus_.find(viommu);
  if (it == viommus_.end()) return Errno::Enoent;
  if (!it->second.vdevs.empty()) return Errno::Ebusy;
  for (const auto& [name, h] : hwpts_)
    if (h.viommu == viommu) return Errno::Ebusy;
  for (const auto& [name, q] : veventqs_)
    if (q.viommu == viommu) return Errno::Ebusy;
  for (const auto& [name, q] : hw_queues_)
    if (q.viommu == viommu) return Errno::Ebusy;
  viommus_.erase(it);
  objects_.remove(ObjectType::Viommu, viommu);
  return Errno::Ok;
}

const Vdevice* Host::vdevice_of(const std::string& device) const {
  for (const auto& [name, v] : vdevices_)
    if (v.device == device) return &v;
  return nullptr;
}

Errno Host::destroy_vdevice(const std::string& vdevice) {
  auto it = vdevices_.find(vdevice);
  if (it == vdevices_.end()) return Errno::Enoent;
  viommus_.at(it->second.viommu).vdevs.erase(it->second.virt_id);
  vdevices_.erase(it);
  objects_.remove(ObjectType::Vdevice, vdevice);
  return Errno::Ok;
}

}  // namespace sim
