// iommufd_access_rw: an in-kernel access copies bytes to or from an IOAS with the CPU,
// area by area over contiguous areas, through the user VA (the kernel's fast path,
// copy_to_user / copy_from_user in the VMM's address space) or, on the slow path,
// through the PFNs a domain would see (pfn_reader: the pinned_pfns tier, a domain's
// page table, else pages pinned for the copy and unpinned after it).
#include <algorithm>
#include <cstring>

#include "host-sw/iommufd/iommufd_access.h"
#include "models/memory/sparse_memory.h"

namespace sim {

namespace {

void copy(SparseMemory& mem, uint64_t pa, uint8_t* data, uint64_t n, bool write,
          std::vector<PhysRun>& runs) {
  if (write)
    mem.write(pa, data, n);
  else
    mem.read(pa, data, n);
  runs.push_back({pa, n});
}

}  // namespace

Errno IommufdAccess::rw(const IommuDriver& drv, const VmmMemory& vmm, SparseMemory& mem,
                        uint64_t iova, uint8_t* data, uint64_t length, bool write, bool slow,
                        std::vector<PhysRun>& runs, uint64_t& pinned) const {
  if (length == 0) return Errno::Einval;
  if (iova + (length - 1) < iova) return Errno::Eoverflow;
  if (!attached_) return Errno::Enoent;
  const uint64_t last = iova + (length - 1);
  for (uint64_t cur = iova;;) {
    const IoptArea* a = iopt_->area_at(cur);
    if (!a) return Errno::Enoent;  // nothing at iova, or a hole: not contiguous
    const uint64_t end = std::min(last, a->last());
    const uint64_t bytes = end - cur + 1;
    if (write ? !a->w : !a->r) return Errno::Eperm;  // check_area_prot
    if (write && !a->pages->writable()) return Errno::Eperm;
    const uint64_t va = a->user_va + (cur - a->iova);
    Errno e = slow ? rw_pfns(drv, vmm, mem, *a, va, data, bytes, write, runs, pinned)
                   : rw_user(vmm, mem, va, data, bytes, write, runs);
    if (e != Errno::Ok) return e;
    data += bytes;
    if (end == last) return Errno::Ok;
    cur = end + 1;
  }
}

Errno IommufdAccess::rw_user(const VmmMemory& vmm, SparseMemory& mem, uint64_t va, uint8_t* data,
                             uint64_t bytes, bool write, std::vector<PhysRun>& runs) const {
  for (uint64_t done = 0; done < bytes;) {
    const uint64_t v = va + done;
    const VmmMapping* m = vmm.find_va(v);
    // No mapping there any more, or a write to read-only memory: the copy faults
    // (what it copied before stays copied).
    if (!m || (write && m->readonly)) return Errno::Efault;
    uint64_t pa = 0;
    const uint64_t n = vmm.contiguous(v, bytes - done, pa);
    copy(mem, pa, data + done, n, write, runs);
    done += n;
  }
  return Errno::Ok;
}

Errno IommufdAccess::rw_pfns(const IommuDriver& drv, const VmmMemory& vmm, SparseMemory& mem,
                             const IoptArea& a, uint64_t va, uint8_t* data, uint64_t bytes,
                             bool write, std::vector<PhysRun>& runs, uint64_t& pinned) const {
  PfnReader rd(*a.pages, vmm, drv, mem, va / kCpuPage, (va + bytes - 1) / kCpuPage,
               iopt_->batch_runs());
  uint64_t offset = va % kCpuPage, done = 0;  // the offset applies to the first page only
  Errno e = Errno::Ok;
  while (e == Errno::Ok && !rd.done()) {
    e = rd.next();
    if (e != Errno::Ok) break;
    for (const PfnRun& r : rd.batch().runs()) {
      const uint64_t n = std::min(bytes - done, r.npfns * kCpuPage - offset);
      copy(mem, r.pfn * kCpuPage + offset, data + done, n, write, runs);
      offset = 0;
      done += n;
    }
  }
  pinned += rd.pinned();
  return e;  // the reader's transient pins go with it
}

}  // namespace sim
