#pragma once
// An IOAS's io_pagetable: non-overlapping areas (IOVA -> slices
// of shared user pages), reserved ranges with owners, the allowed ranges, the IOVA
// alignment and the domains that mirror the areas. With no domain attached it is
// lazy: a map records the user VA and pins nothing; adding a domain fills it from
// every area. Each operation returns the kernel's errno, checked in the kernel's order.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host-sw/driver/iommu_driver.h"
#include "host-sw/iommufd/iopt_pages.h"
#include "host-sw/iommufd/iova_allocator.h"
#include "host-sw/iommufd/pfn_reader.h"
#include "host-sw/iommufd/pin_ledger.h"
#include "host-sw/kernel/errno.h"
#include "host-sw/kernel/vmm_memory.h"

namespace sim {

struct IoptArea {
  uint64_t iova = 0, length = 0;
  uint64_t user_va = 0;  // of the area's first byte, inside its pages
  bool r = true, w = true;
  std::shared_ptr<IoptPages> pages;
  uint64_t cover = 0;  // its domain cover in `pages` while stored in domains (0: none)
  uint64_t last() const { return iova + length - 1; }
  uint64_t page_offset() const { return user_va % kCpuPage; }
  uint64_t first_page() const { return user_va / kCpuPage; }
  uint64_t last_page() const { return (user_va + length - 1) / kCpuPage; }
  // Bytes of whole user pages the area covers (pinned while stored in a domain).
  uint64_t pinned_bytes() const { return (last_page() - first_page() + 1) * kCpuPage; }
};

// A slice of some pages to map at consecutive IOVAs (what iopt_get_pages returns).
struct IoptSlice {
  std::shared_ptr<IoptPages> pages;
  uint64_t user_va = 0, length = 0;
};

// What an in-kernel access pinned of one area's pages.
struct AccessPiece {
  std::shared_ptr<IoptPages> pages;
  IndexRange range;
};

class IommufdAccess;

struct ReservedRange {
  IovaRange range;
  std::string owner;  // "device nic0", "domain 3", ...: removed together
};

class IoPagetable {
 public:
  explicit IoPagetable(PinLedger& ledger) : ledger_(ledger) {}

  const std::map<uint64_t, IoptArea>& areas() const { return areas_; }
  const std::vector<Domain*>& domains() const { return domains_; }
  const std::vector<ReservedRange>& reserved() const { return reserved_; }
  const std::vector<IovaRange>& allowed() const { return allowed_; }
  uint64_t alignment() const { return iova_alignment_; }
  // What the alignment must be: max(PS if large pages are off else 1, each domain's
  // smallest page, each access's alignment: PS for one that pins pages, else 1); the
  // invariant checker compares.
  uint64_t computed_alignment() const;
  bool huge_pages() const { return !disable_large_pages_; }

  // MAP after the ioctl's own checks: `iova` fixed, or allocated
  // when absent; `placed` receives the IOVA. The pages are charged to the ledger's
  // current process; `file`: a file's pages (MAP_FILE; `user_va` is where the file's
  // pages are read, its offset the hint of an allocated IOVA).
  Task<Errno> map(IommuDriver& drv, const VmmMemory& vmm, std::optional<uint64_t> iova,
                  uint64_t user_va, uint64_t length, bool r, bool w, uint64_t& placed,
                  bool file = false);
  // COPY is get_pages on the source IOAS, then map_pages on the destination
  // (the same or another): the slices of the contiguous areas from `iova` on, ENOENT
  // at a hole; then one area per slice, packed from `iova` (or allocated, the first
  // slice's user address hinting the alignment), sharing the pages (no new pin).
  Errno get_pages(uint64_t iova, uint64_t length, std::vector<IoptSlice>& slices) const;
  Task<Errno> map_pages(IommuDriver& drv, const VmmMemory& vmm,
                        const std::vector<IoptSlice>& slices, uint64_t length,
                        std::optional<uint64_t> iova, bool r, bool w, uint64_t& placed);
  // Whole areas inside [iova, iova+length) go; a partial area is ENOENT (not atomic:
  // areas before it are already gone). iova 0 with length ~0 unmaps all.
  Task<Errno> unmap(IommuDriver& drv, uint64_t iova, uint64_t length, uint64_t& unmapped);
  // iopt_cut_iova: each point c inside an area becomes the last IOVA of one of
  // two areas sharing the pages (no change to pins or IOPTEs). A point on the area's
  // first or last IOVA is a no-op (kernel); EINVAL when c+1 or its byte offset is
  // not aligned, or the area sits in a domain that may hold large IOPTEs. Stops at
  // the first error; earlier cuts stay.
  Errno cut_iova(const std::vector<uint64_t>& points);
  // The VFIO type1 v1 unmap: with large pages off, cut at iova-1 (unless iova is 0)
  // and at iova+length-1 first, so any page-aligned sub-range of an area can go.
  // (The VFIO front end calls it; it is not an IOAS op.)
  Task<Errno> unmap_type1v1(IommuDriver& drv, uint64_t iova, uint64_t length, uint64_t& unmapped);
  // The domain's aperture is [0, aperture_last]; its complement becomes reserved.
  Task<Errno> add_domain(IommuDriver& drv, const VmmMemory& vmm, Domain* d, uint64_t aperture_last);
  Task<> remove_domain(IommuDriver& drv, Domain* d);
  // The area containing iova, or nullptr.
  const IoptArea* area_at(uint64_t iova) const;

  // iopt_access_pages: pins [iova, iova+length) for an in-kernel access into
  // the pinned_pfns tier, read from a domain when one stores it, else pinned from user
  // memory; ENOENT at a hole, EPERM when writing read-only pages, EFAULT, ENOMEM;
  // nothing stays on error. `pinned` adds the pages pinned from user memory.
  Errno access_pin(const IommuDriver& drv, const VmmMemory& vmm, uint64_t iova, uint64_t length,
                   bool write, std::vector<AccessPiece>& pieces, uint64_t& pinned);
  // Drops what access_pin gave; returns the pages this unpinned.
  uint64_t access_unpin(const std::vector<AccessPiece>& pieces);
  // Accesses on this IOAS hear of every area about to be unmapped. An access that pins
  // pages raises the IOVA alignment to the CPU page (iopt_add_access recomputes it
  // over domains and accesses): EADDRINUSE, and the access is not added, when an area
  // is not page-aligned. Removing one recomputes it (it can shrink).
  Errno add_access(IommufdAccess* a);
  void remove_access(IommufdAccess* a);
  size_t accesses() const { return accesses_.size(); }
  // pfn_batch size of the readers (tests shrink it to force splits and carries).
  void set_batch_runs(size_t runs) { batch_runs_ = runs; }
  size_t batch_runs() const { return batch_runs_; }
  // Pages unpinned so far (each recorded as a `host unpin` trace event, after the
  // unmap and its IOTLB sync).
  uint64_t unpinned() const { return unpinned_; }

  // IOVA_RANGES: the holes of the reserved ranges over [0, U64_MAX].
  std::vector<IovaRange> iova_ranges() const;
  // ALLOW_IOVAS: replaces the allowed list, or changes nothing on error.
  Errno allow_iovas(const std::vector<IovaRange>& ranges);
  // EADDRINUSE when [start, last] meets an area or an allowed range.
  Errno reserve(uint64_t start, uint64_t last, const std::string& owner);
  void unreserve(const std::string& owner);
  // IOMMU_OPTION HUGE_PAGES SET: 0 disables, 1 enables, other values EINVAL.
  Errno set_huge_pages(uint64_t value);

 private:
  static std::string domain_owner(const Domain& d) { return "domain " + std::to_string(d.did); }
  // iopt_check_iova: alignment, overflow, reserved (EINVAL), existing area (EEXIST).
  Errno check_iova(uint64_t iova, uint64_t length) const;
  bool area_overlaps(uint64_t start, uint64_t last) const;
  // Every area's iova, length and page offset multiple of `align`, else EADDRINUSE.
  Errno check_alignment(uint64_t align) const;
  std::vector<IovaRange> used() const;  // reserved ∪ areas, for the allocator
  // iopt_area_fill_domains: reads the area's PFNs and maps each batch into every
  // domain; then the area covers its pages and they are charged; on any error
  // everything is unmapped, then unpinned, and the area is left unstored.
  Task<Errno> fill_domains(IommuDriver& drv, const VmmMemory& vmm, IoptArea& a);
  // iopt_fill_domain for one new domain and one area: `first` when it is the IOAS's
  // first domain, so the area's pages get pinned and covered.
  Task<Errno> fill_domain(IommuDriver& drv, const VmmMemory& vmm, Domain& d, IoptArea& a,
                          bool first);
  // batch_to_domain: the reader's current batch at its IOVAs (ENOMEM from the driver,
  // with nothing of the batch left mapped in that domain).
  Task<Errno> map_batch(IommuDriver& drv, Domain& d, const IoptArea& a, const PfnReader& rd);
  // Unmaps the area from every domain (each unmap syncs the IOTLB), then drops its
  // cover: unmap before unpin.
  Task<> unfill(IommuDriver& drv, IoptArea& a);
  // The area stops being stored: its cover goes and what nobody else holds is unpinned.
  void drop_cover(IommuDriver& drv, IoptArea& a);
  void add_cover(IoptArea& a, const Domain* storage);
  // Charges or uncharges the pages' change since the last accounting.
  Errno account(IoptPages& p);
  void note_unpin(IommuDriver& drv, uint64_t pages);
  Task<> charge_pins(IommuDriver& drv, uint64_t pages);

  PinLedger& ledger_;
  std::map<uint64_t, IoptArea> areas_;
  std::vector<Domain*> domains_;
  std::vector<ReservedRange> reserved_;
  std::vector<IovaRange> allowed_;
  uint64_t iova_alignment_ = 1;
  bool disable_large_pages_ = false;
  std::vector<IommufdAccess*> accesses_;
  size_t batch_runs_ = PfnBatch::kDefaultRuns;
  uint64_t unpinned_ = 0;
};

}  // namespace sim
