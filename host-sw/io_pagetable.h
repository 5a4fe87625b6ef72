#pragma once
// An IOAS's io_pagetable: non-overlapping areas (IOVA -> user VA slices) and the
// domains that mirror them. With no domain attached it is lazy: a map records the
// user VA and touches nothing; adding a domain fills it from every area.
#include <cstdint>
#include <map>
#include <vector>

#include "host-sw/errno.h"
#include "host-sw/iommu_driver.h"
#include "host-sw/vmm_memory.h"

namespace sim {

struct IoptArea {
  uint64_t iova = 0, length = 0;
  uint64_t user_va = 0;
  bool r = true, w = true;
  uint64_t last() const { return iova + length - 1; }
  // Bytes of whole user pages the area pins (and charges to RLIMIT_MEMLOCK).
  uint64_t pinned_bytes() const { return (user_va % 4096 + length + 4095) / 4096 * 4096; }
};

class IoPagetable {
 public:
  const std::map<uint64_t, IoptArea>& areas() const { return areas_; }
  const std::vector<Domain*>& domains() const { return domains_; }
  // Page alignment once a domain exists; byte alignment while lazy.
  uint64_t alignment() const { return domains_.empty() ? 1 : 4096; }

  Task<Errno> map_fixed(IommuDriver& drv, const VmmMemory& vmm, uint64_t iova, uint64_t user_va,
                        uint64_t length, bool r, bool w);
  // Whole areas inside [iova, iova+length) go; a partial area is ENOENT (not atomic:
  // areas before it are already gone). iova 0 with length ~0 unmaps all.
  // `unpinned`: the pinned bytes of the removed areas.
  Task<Errno> unmap(IommuDriver& drv, uint64_t iova, uint64_t length, uint64_t& unmapped,
                    uint64_t& unpinned);
  Task<Errno> add_domain(IommuDriver& drv, const VmmMemory& vmm, Domain* d);
  void remove_domain(Domain* d);
  // The area containing iova, or nullptr.
  const IoptArea* area_at(uint64_t iova) const;

 private:
  Task<Errno> fill(IommuDriver& drv, const VmmMemory& vmm, Domain& d, const IoptArea& a);

  std::map<uint64_t, IoptArea> areas_;
  std::vector<Domain*> domains_;
};

}  // namespace sim
