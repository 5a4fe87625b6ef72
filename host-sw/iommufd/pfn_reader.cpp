#include "host-sw/iommufd/pfn_reader.h"

#include <algorithm>

#include "host-sw/driver/iommu_driver.h"
#include "host-sw/iommufd/iova_allocator.h"
#include "host-sw/kernel/vmm_memory.h"
#include "models/memory/sparse_memory.h"

namespace sim {

PfnReader::PfnReader(IoptPages& pages, const VmmMemory& vmm, const IommuDriver& drv,
                     const SparseMemory& mem, uint64_t first, uint64_t last, size_t batch_runs)
    : pages_(pages),
      vmm_(vmm),
      drv_(drv),
      mem_(mem),
      cur_(first),
      last_(last),
      batch_(batch_runs) {}

uint64_t PfnReader::pin_user(uint64_t at, uint64_t n) {
  ++pin_calls_;
  if (drv_.fail_nth().should_fail(FailPoint::Pin)) {
    pin_error_ = Errno::Enomem;  // pin_user_pages could not allocate
    return 0;
  }
  const uint64_t va = at * kCpuPage;
  const VmmMapping* m = vmm_.find_va(va);
  if (!m || (pages_.writable() && m->readonly)) return 0;
  n = std::min({n, kPinChunk, (m->va + m->size - va) / kCpuPage});
  uint64_t got = 0;
  while (got < n) {
    const uint64_t v = va + got * kCpuPage;
    uint64_t pa = 0;
    const uint64_t run = std::min(n - got, vmm_.contiguous(v, (n - got) * kCpuPage, pa) / kCpuPage);
    const uint64_t added = batch_.add(pa / kCpuPage, std::max<uint64_t>(run, 1));
    got += added;
    if (added < std::max<uint64_t>(run, 1)) break;  // the batch is full
  }
  if (got) {
    pages_.hold(at, at + got - 1);
    held_.push_back({at, at + got - 1});
    pinned_ += got;
  }
  return got;
}

std::pair<uint64_t, uint64_t> PfnReader::read_domain(const DomainCover& c, uint64_t at) const {
  // iova_to_phys: the leaf covering the index's IOVA, one read per level.
  const uint64_t iova = c.iova + (at - c.pages.first) * kCpuPage;
  auto [addr, level] = drv_.find_leaf(*c.storage, iova);
  if (!addr) throw std::logic_error("pfn_reader: a stored area is not mapped in its domain");
  const Pte pte = drv_.format().decode(mem_.read64(addr), level);
  // The leaf's own size: an AMD v1 leaf between two level spans is replicated entries.
  const uint64_t span = 1ull << pte.size_shift;
  const uint64_t in_leaf = iova & (span - 1);
  return {(pte.addr + in_leaf) / kCpuPage, (span - in_leaf) / kCpuPage};
}

Errno PfnReader::next() {
  batch_.clear();
  batch_first_ = cur_;
  while (cur_ <= last_) {
    uint64_t span_last = last_;
    const PfnTier t = pages_.tier(cur_, last_, span_last);
    const uint64_t want = span_last - cur_ + 1;
    if (t == PfnTier::User) {
      const uint64_t got = pin_user(cur_, want);  // may be fewer than asked: go on
      if (got == 0) {
        if (pin_error_ != Errno::Ok) return pin_error_;
        if (batch_.full()) break;
        return Errno::Efault;
      }
      cur_ += got;
      continue;
    }
    auto [pfn, n] = t == PfnTier::Access ? pages_.access_pfn(cur_)
                                         : read_domain(*pages_.domain_cover_at(cur_), cur_);
    const uint64_t asked = std::min(want, n);
    const uint64_t added = batch_.add(pfn, asked);
    cur_ += added;
    if (added < asked) break;  // the batch is full
  }
  return Errno::Ok;
}

uint64_t PfnReader::release() {
  uint64_t n = 0;
  for (const IndexRange& r : held_) n += pages_.release(r.first, r.last);
  held_.clear();
  return n;
}

}  // namespace sim
