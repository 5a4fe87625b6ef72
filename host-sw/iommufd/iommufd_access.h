#pragma once
// An in-kernel access (after iommufd_access as mdev drivers
// use it): software that reads and writes an IOAS's pages with the CPU, so it pins
// them into the pages' pinned_pfns tier instead of mapping them in a domain. Each pin
// is one call's range; unpinning takes the same range back. When the IOAS unmaps an
// area the access is told first and drops every pin that meets it (the kernel's unmap
// callback), so an unmap never waits on an access.
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/iommufd/io_pagetable.h"

namespace sim {

class IommufdAccess {
 public:
  explicit IommufdAccess(IoPagetable& iopt) : iopt_(iopt) {}
  ~IommufdAccess();
  // iommufd_access_attach: joins the IOAS, raising its alignment to the page
  // (EADDRINUSE over a misaligned area; then it stays unattached).
  Errno attach();
  IommufdAccess(const IommufdAccess&) = delete;
  IommufdAccess& operator=(const IommufdAccess&) = delete;

  // iommufd_access_pin_pages: EINVAL for length 0, then what IoPagetable::access_pin
  // says; `pinned` adds the pages pinned from user memory (for the CPU cost).
  Errno pin(const IommuDriver& drv, const VmmMemory& vmm, uint64_t iova, uint64_t length,
            bool write, uint64_t& pinned);
  // iommufd_access_unpin_pages: the range of an earlier pin; ENOENT for any other, as
  // the selftest's access gives for a pin already dropped by an unmap (the kernel
  // itself WARNs on a range it never pinned).
  Errno unpin(uint64_t iova, uint64_t length);
  // The IOAS is about to unmap [iova, last]: every pin meeting it goes.
  void notify_unmap(uint64_t iova, uint64_t last);
  size_t pins() const { return pins_.size(); }
  std::vector<AccessPiece> pieces() const;
  uint64_t unmap_notices() const { return notices_; }

 private:
  struct Pin {
    uint64_t iova = 0, length = 0;
    std::vector<AccessPiece> pieces;
  };
  IoPagetable& iopt_;
  std::vector<Pin> pins_;  // in pinning order
  uint64_t notices_ = 0;
  bool attached_ = false;
};

}  // namespace sim
