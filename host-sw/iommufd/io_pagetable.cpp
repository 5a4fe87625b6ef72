#include "host-sw/iommufd/io_pagetable.h"

#include <algorithm>

#include "host-sw/iommufd/iommufd_access.h"

namespace sim {

const IoptArea* IoPagetable::area_at(uint64_t iova) const {
  auto it = areas_.upper_bound(iova);
  if (it == areas_.begin()) return nullptr;
  --it;
  return iova <= it->second.last() ? &it->second : nullptr;
}

bool IoPagetable::area_overlaps(uint64_t start, uint64_t last) const {
  auto next = areas_.upper_bound(last);  // areas never overlap: the one before is enough
  return next != areas_.begin() && std::prev(next)->second.last() >= start;
}

uint64_t IoPagetable::computed_alignment() const {
  uint64_t a = disable_large_pages_ ? kCpuPage : 1;
  if (!domains_.empty()) a = std::max(a, kCpuPage);  // VT-d: lowbit(4K|2M|1G)
  for (const IommufdAccess* acc : accesses_) a = std::max(a, acc->iova_alignment());
  return a;
}

Errno IoPagetable::add_access(IommufdAccess* acc) {
  accesses_.push_back(acc);
  const uint64_t align = computed_alignment();
  if (align > iova_alignment_) {
    if (Errno e = check_alignment(align); e != Errno::Ok) {
      accesses_.pop_back();  // not added
      return e;
    }
  }
  iova_alignment_ = align;
  return Errno::Ok;
}

void IoPagetable::remove_access(IommufdAccess* acc) {
  std::erase(accesses_, acc);
  iova_alignment_ = computed_alignment();  // can shrink
}

Errno IoPagetable::check_alignment(uint64_t align) const {
  for (const auto& [iova, a] : areas_)
    if (a.iova % align || a.length % align || a.page_offset() % align) return Errno::Eaddrinuse;
  return Errno::Ok;
}

std::vector<IovaRange> IoPagetable::used() const {
  std::vector<IovaRange> u;
  for (const ReservedRange& r : reserved_) u.push_back(r.range);
  for (const auto& [iova, a] : areas_) u.push_back({a.iova, a.last()});
  return u;
}

Errno IoPagetable::check_iova(uint64_t iova, uint64_t length) const {
  if (iova % iova_alignment_) return Errno::Einval;
  if (iova + (length - 1) < iova) return Errno::Eoverflow;
  const uint64_t last = iova + length - 1;
  for (const ReservedRange& r : reserved_)
    if (r.range.start <= last && iova <= r.range.last) return Errno::Einval;
  if (area_overlaps(iova, last)) return Errno::Eexist;
  return Errno::Ok;  // allowed ranges are not checked for a fixed IOVA (kernel)
}

Task<Errno> IoPagetable::map_pages(IommuDriver& drv, const VmmMemory& vmm,
                                   const std::vector<IoptSlice>& slices, uint64_t length,
                                   std::optional<uint64_t> iova, bool r, bool w, uint64_t& placed) {
  // iopt_alloc_area_pages: an area per slice allocated (a failure point each), length
  // alignment, then placement.
  for (size_t i = 0; i < slices.size(); ++i)
    if (drv.fail_nth().should_fail(FailPoint::Alloc)) co_return Errno::Enomem;
  if (length % iova_alignment_ || length == 0) co_return Errno::Einval;
  uint64_t at;
  if (iova) {
    if (Errno e = check_iova(*iova, length); e != Errno::Ok) co_return e;
    at = *iova;
  } else {
    // The first slice's user address hints the alignment.
    Errno e = alloc_iova(allowed_, used(), slices.front().user_va, length, iova_alignment_, at);
    if (e != Errno::Ok) co_return e;
  }
  // iopt_insert_area per slice: WRITE on read-only pages EPERM, page offset misaligned
  // EINVAL; the slices inserted so far are removed again.
  std::vector<IoptArea> made;
  uint64_t cur = at;
  for (const IoptSlice& s : slices) {
    IoptArea a{cur, s.length, s.user_va, r, w, s.pages};
    if (w && !s.pages->writable()) co_return Errno::Eperm;
    if (a.page_offset() % iova_alignment_) co_return Errno::Einval;
    made.push_back(a);
    cur += s.length;
  }
  for (const IoptArea& a : made) areas_[a.iova] = a;
  for (size_t i = 0; i < made.size(); ++i) {
    Errno e = co_await fill_domains(drv, vmm, areas_.at(made[i].iova));
    if (e != Errno::Ok) {
      // Unwind completely: no area, no pins, nothing mapped.
      for (size_t j = 0; j < i; ++j) co_await unfill(drv, areas_.at(made[j].iova));
      for (const IoptArea& a : made) areas_.erase(a.iova);
      co_return e;
    }
  }
  placed = at;
  co_return Errno::Ok;
}

Task<Errno> IoPagetable::map(IommuDriver& drv, const VmmMemory& vmm, std::optional<uint64_t> iova,
                             uint64_t user_va, uint64_t length, bool r, bool w, uint64_t& placed,
                             bool file) {
  // iopt_alloc_user_pages.
  if (user_va + length < user_va) co_return Errno::Eoverflow;
  if (length == 0 || length > SIZE_MAX - kCpuPage) co_return Errno::Einval;
  if (drv.fail_nth().should_fail(FailPoint::Alloc)) co_return Errno::Enomem;
  auto pages =
      std::make_shared<IoptPages>(ledger_.new_pages_id(), user_va, length, w, ledger_.new_mode());
  pages->set_owner(ledger_.current());
  pages->set_file(file);
  std::vector<IoptSlice> one;
  one.push_back({pages, user_va, length});
  co_return co_await map_pages(drv, vmm, one, length, iova, r, w, placed);
}

Errno IoPagetable::get_pages(uint64_t iova, uint64_t length, std::vector<IoptSlice>& slices) const {
  if (length == 0) return Errno::Einval;
  if (iova + (length - 1) < iova) return Errno::Eoverflow;
  const uint64_t last = iova + length - 1;
  slices.clear();
  for (uint64_t cur = iova;;) {
    const IoptArea* a = area_at(cur);
    if (!a) return Errno::Enoent;  // a hole: not contiguous
    const uint64_t end = std::min(last, a->last());
    slices.push_back({a->pages, a->user_va + (cur - a->iova), end - cur + 1});
    if (end == last) return Errno::Ok;
    cur = end + 1;
  }
}

Task<Errno> IoPagetable::unmap(IommuDriver& drv, uint64_t iova, uint64_t length,
                               uint64_t& unmapped) {
  unmapped = 0;
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
    IoptArea& a = it->second;
    if (a.iova < iova || a.last() > last) co_return Errno::Enoent;  // no splitting
    // Pages an internal access pins (a HW queue's) cannot be unmapped: EBUSY, what
    // came before stays unmapped. Other accesses drop their pins in the area first
    // (iommufd_access_notify_unmap).
    for (const IommufdAccess* acc : accesses_)
      if (acc->internal() && acc->pins_in(a.iova, a.last())) co_return Errno::Ebusy;
    for (IommufdAccess* acc : std::vector<IommufdAccess*>(accesses_))
      acc->notify_unmap(a.iova, a.last());
    co_await unfill(drv, a);  // unmap, then unpin
    unmapped += a.length;
    areas_.erase(it);
  }
  // Nothing there: ENOENT from IOAS_UNMAP ("0 bytes unmapped"); unmap-all is fine.
  co_return unmapped || all ? Errno::Ok : Errno::Enoent;
}

Errno IoPagetable::cut_iova(const std::vector<uint64_t>& points) {
  for (uint64_t c : points) {
    const IoptArea* found = area_at(c);
    if (!found) continue;
    const IoptArea a = *found;
    if (c == a.iova || c == a.last()) continue;  // kernel: nothing to split
    const uint64_t next = c + 1, head = next - a.iova;
    if (next % iova_alignment_ || (a.user_va + head) % iova_alignment_) return Errno::Einval;
    if (!domains_.empty() && !disable_large_pages_) return Errno::Einval;  // large IOPTEs
    IoptArea lhs = a, rhs = a;
    lhs.length = head;
    rhs.iova = next;
    rhs.length = a.length - head;
    rhs.user_va = a.user_va + head;
    if (a.cover) {
      // Same pages, now two covers; with domains the cut is page-aligned (alignment
      // >= PS), so nothing is pinned or unpinned.
      const Domain* storage = a.pages->domain_covers().at(a.cover).storage;
      add_cover(lhs, storage);
      add_cover(rhs, storage);
      a.pages->remove_domain_cover(a.cover);
      a.pages->release(a.first_page(), a.last_page());
    }
    areas_[lhs.iova] = lhs;
    areas_[rhs.iova] = rhs;
  }
  return Errno::Ok;
}

Task<Errno> IoPagetable::unmap_type1v1(IommuDriver& drv, uint64_t iova, uint64_t length,
                                       uint64_t& unmapped) {
  unmapped = 0;
  if (disable_large_pages_ && length && iova + (length - 1) >= iova) {
    std::vector<uint64_t> points;
    if (iova) points.push_back(iova - 1);
    points.push_back(iova + length - 1);
    if (Errno e = cut_iova(points); e != Errno::Ok) co_return e;
  }
  co_return co_await unmap(drv, iova, length, unmapped);
}

Task<Errno> IoPagetable::add_domain(IommuDriver& drv, const VmmMemory& vmm, Domain* d,
                                    uint64_t aperture_last) {
  // iopt_table_add_domain: alignment, aperture, fill.
  const uint64_t align = std::max(kCpuPage, iova_alignment_);
  if (align != iova_alignment_)
    if (Errno e = check_alignment(align); e != Errno::Ok) co_return e;
  const std::string owner = domain_owner(*d);
  if (aperture_last != UINT64_MAX && drv.fail_nth().should_fail(FailPoint::Alloc))
    co_return Errno::Enomem;  // the reserved range's node
  if (aperture_last != UINT64_MAX)
    if (Errno e = reserve(aperture_last + 1, UINT64_MAX, owner); e != Errno::Ok) co_return e;
  const bool first = domains_.empty();
  std::vector<IoptArea*> done;
  for (auto& [iova, a] : areas_) {
    if (Errno e = co_await fill_domain(drv, vmm, *d, a, first); e != Errno::Ok) {
      for (IoptArea* p : done) {
        co_await drv.unmap(*d, p->iova, p->length);
        if (first) drop_cover(drv, *p);
      }
      unreserve(owner);
      co_return e;
    }
    done.push_back(&a);
  }
  domains_.push_back(d);
  iova_alignment_ = align;
  co_return Errno::Ok;
}

Task<> IoPagetable::remove_domain(IommuDriver& drv, Domain* d) {
  if (std::find(domains_.begin(), domains_.end(), d) == domains_.end()) co_return;
  // iopt_table_remove_domain: unmap it; areas stored there move to the first domain
  // left, or, with none left, are unpinned (pages accesses hold stay pinned).
  for (auto& [iova, a] : areas_) co_await drv.unmap(*d, a.iova, a.length);
  // The kernel's xarray is compacted by moving the last domain into the hole.
  auto it = std::find(domains_.begin(), domains_.end(), d);
  *it = domains_.back();
  domains_.pop_back();
  for (auto& [iova, a] : areas_) {
    if (domains_.empty())
      drop_cover(drv, a);
    else if (a.cover && a.pages->domain_covers().at(a.cover).storage == d)
      a.pages->set_storage(a.cover, domains_.front());
  }
  unreserve(domain_owner(*d));
  iova_alignment_ = computed_alignment();  // can shrink
}

std::vector<IovaRange> IoPagetable::iova_ranges() const {
  std::vector<IovaRange> u;
  for (const ReservedRange& r : reserved_) u.push_back(r.range);
  return holes(u, 0, UINT64_MAX);
}

Errno IoPagetable::allow_iovas(const std::vector<IovaRange>& ranges) {
  // iommufd_ioas_allow_iovas: each start < last (a one-byte range is refused), no
  // overlap among them; then iopt_set_allow_iova: none meets a reserved range.
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].start >= ranges[i].last) return Errno::Einval;
    for (size_t j = 0; j < i; ++j)
      if (ranges[j].start <= ranges[i].last && ranges[i].start <= ranges[j].last)
        return Errno::Einval;
  }
  for (const IovaRange& a : ranges)
    for (const ReservedRange& r : reserved_)
      if (r.range.start <= a.last && a.start <= r.range.last) return Errno::Eaddrinuse;
  allowed_ = ranges;  // existing areas outside them are not checked (kernel)
  return Errno::Ok;
}

Errno IoPagetable::reserve(uint64_t start, uint64_t last, const std::string& owner) {
  if (area_overlaps(start, last)) return Errno::Eaddrinuse;
  if (intersects(allowed_, start, last)) return Errno::Eaddrinuse;
  reserved_.push_back({{start, last}, owner});  // may overlap other reservations
  return Errno::Ok;
}

void IoPagetable::unreserve(const std::string& owner) {
  std::erase_if(reserved_, [&](const ReservedRange& r) { return r.owner == owner; });
}

Errno IoPagetable::set_huge_pages(uint64_t value) {
  if (value == 1) {
    disable_large_pages_ = false;
    iova_alignment_ = computed_alignment();  // can only shrink
    return Errno::Ok;
  }
  if (value != 0) return Errno::Einval;
  if (disable_large_pages_) return Errno::Ok;
  // Domains already hold large IOPTEs for the areas: refused.
  if (!domains_.empty() && !areas_.empty()) return Errno::Einval;
  disable_large_pages_ = true;
  const uint64_t align = computed_alignment();
  if (align > iova_alignment_) {
    if (Errno e = check_alignment(align); e != Errno::Ok) {
      disable_large_pages_ = false;  // rolled back
      return e;
    }
  }
  iova_alignment_ = align;
  return Errno::Ok;
}

}  // namespace sim
