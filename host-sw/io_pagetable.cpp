#include "host-sw/io_pagetable.h"

#include <algorithm>

namespace sim {

const IoptArea* IoPagetable::area_at(uint64_t iova) const {
  auto it = areas_.upper_bound(iova);
  if (it == areas_.begin()) return nullptr;
  --it;
  return iova <= it->second.last() ? &it->second : nullptr;
}

// Pins (computes) the user pages of an area and maps them into one domain; EFAULT
// when a page is not backed, or not writable for a writable mapping.
Task<Errno> IoPagetable::fill(IommuDriver& drv, const VmmMemory& vmm, Domain& d,
                              const IoptArea& a) {
  for (uint64_t off = 0; off < a.length;) {
    const VmmMapping* m = vmm.find_va(a.user_va + off);
    if (!m || (a.w && m->readonly)) co_return Errno::Efault;
    off += m->va + m->size - (a.user_va + off);
  }
  Backing backing = [&vmm, &a](uint64_t off) {
    uint64_t va = a.user_va + off;
    return std::pair<uint64_t, uint64_t>{*vmm.pa(va), vmm.contiguous(va, a.length - off)};
  };
  co_await drv.map(d, a.iova, a.length, backing, a.r, a.w, true);
  co_return Errno::Ok;
}

Task<Errno> IoPagetable::map_fixed(IommuDriver& drv, const VmmMemory& vmm, uint64_t iova,
                                   uint64_t user_va, uint64_t length, bool r, bool w) {
  // The kernel's order of checks (iommufd-semantics §1.4).
  if (iova == UINT64_MAX || length == UINT64_MAX) co_return Errno::Eoverflow;
  if (!r && !w) co_return Errno::Einval;
  if (user_va + length < user_va) co_return Errno::Eoverflow;
  if (length == 0) co_return Errno::Einval;
  const uint64_t align = alignment();
  if (length % align) co_return Errno::Einval;
  if (iova % align) co_return Errno::Einval;
  if (iova + (length - 1) < iova) co_return Errno::Eoverflow;
  auto next = areas_.upper_bound(iova + length - 1);  // areas_ never overlap, so the one
  if (next != areas_.begin() && std::prev(next)->second.last() >= iova)  // before is enough
    co_return Errno::Eexist;
  if ((user_va % 4096) % align) co_return Errno::Einval;
  IoptArea a{iova, length, user_va, r, w};
  areas_[iova] = a;
  for (size_t i = 0; i < domains_.size(); ++i) {
    Errno e = co_await fill(drv, vmm, *domains_[i], a);
    if (e != Errno::Ok) {
      // Unwind completely: no area, nothing mapped.
      for (size_t j = 0; j <= i; ++j) co_await drv.unmap(*domains_[j], iova, length);
      areas_.erase(iova);
      co_return e;
    }
  }
  co_return Errno::Ok;
}

Task<Errno> IoPagetable::unmap(IommuDriver& drv, uint64_t iova, uint64_t length, uint64_t& unmapped,
                               uint64_t& unpinned) {
  unmapped = unpinned = 0;
  const bool all = iova == 0 && length == UINT64_MAX;
  if (!all) {
    if (iova == UINT64_MAX || length == UINT64_MAX) co_return Errno::Eoverflow;
    if (length == 0) co_return Errno::Einval;
    if (iova + (length - 1) < iova) co_return Errno::Eoverflow;
  }
  const uint64_t last = all ? UINT64_MAX : iova + length - 1;
  for (;;) {
    // The lowest area intersecting [iova, last].
    auto it = areas_.upper_bound(iova);
    if (it != areas_.begin() && std::prev(it)->second.last() >= iova) --it;
    if (it == areas_.end() || it->second.iova > last) break;
    const IoptArea a = it->second;
    if (a.iova < iova || a.last() > last) co_return Errno::Enoent;  // no splitting
    for (Domain* d : domains_) co_await drv.unmap(*d, a.iova, a.length);
    areas_.erase(it);
    unmapped += a.length;
    if (!domains_.empty()) unpinned += a.pinned_bytes();
  }
  co_return unmapped || all ? Errno::Ok : Errno::Enoent;
}

Task<Errno> IoPagetable::add_domain(IommuDriver& drv, const VmmMemory& vmm, Domain* d) {
  for (const auto& [iova, a] : areas_) {
    Errno e = co_await fill(drv, vmm, *d, a);
    if (e != Errno::Ok) {
      for (const auto& [i2, a2] : areas_) {
        if (i2 >= iova) break;
        co_await drv.unmap(*d, a2.iova, a2.length);
      }
      co_return e;
    }
  }
  domains_.push_back(d);
  co_return Errno::Ok;
}

void IoPagetable::remove_domain(Domain* d) {
  std::erase(domains_, d);
}

}  // namespace sim
