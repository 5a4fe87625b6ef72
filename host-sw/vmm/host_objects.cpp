// Destroying the context's objects (IOMMU_DESTROY): what `ioas_destroy`,
// `hwpt_destroy` and the generic `destroy` by object ID share.
#include "host-sw/vmm/host.h"

namespace sim {

Task<Errno> Host::destroy_ioas(const std::string& ioas) {
  IoPagetable* iopt = find_ioas(ioas);
  if (!iopt) co_return Errno::Enoent;
  if (ioas_.at(ioas)->users) co_return Errno::Ebusy;  // a HWPT holds it
  if (iopt->accesses()) co_return Errno::Ebusy;       // so does an access
  uint64_t n;
  co_await iopt->unmap(drv_, 0, UINT64_MAX, n);  // implicit unmap-all
  ioas_.erase(ioas);
  vfio_.erase(ioas);
  if (compat_ioas_ == ioas) compat_ioas_.clear();
  objects_.remove(ObjectType::Ioas, ioas);
  co_return Errno::Ok;
}

Task<Errno> Host::destroy_hwpt(const std::string& hwpt) {
  auto it = hwpts_.find(hwpt);
  if (it == hwpts_.end()) co_return Errno::Enoent;
  if (it->second.nested()) co_return co_await destroy_nested(hwpt);
  for (const auto& [dev, name] : attached_)
    if (name == hwpt) co_return Errno::Ebusy;
  for (const auto& [name, h] : hwpts_)  // a nested HWPT holds its parent
    if (h.parent == hwpt) co_return Errno::Ebusy;
  for (const auto& [name, v] : viommus_)  // so does a vIOMMU
    if (v.hwpt == hwpt) co_return Errno::Ebusy;
  Ioas& io = *ioas_.at(it->second.ioas);
  co_await io.iopt.remove_domain(drv_, it->second.domain);
  drv_.domain_free(it->second.domain);
  --io.users;
  std::erase(io.auto_hwpts, hwpt);
  hwpts_.erase(it);
  objects_.remove(ObjectType::Hwpt, hwpt);
  co_return Errno::Ok;
}

}  // namespace sim
