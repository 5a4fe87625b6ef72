#pragma once
// An in-kernel access (after iommufd_access as mdev drivers
// use it): software that reads and writes an IOAS's pages with the CPU. One that pins
// (the driver's ops can pin pages) keeps each pin in the pages' pinned_pfns tier
// instead of mapping them in a domain, and needs the IOAS aligned to the page; one
// that only copies (iommufd_access_rw) needs no alignment. Each pin is one call's
// range; unpinning takes the same range back. When the IOAS unmaps an area the access
// is told first and drops every pin that meets it (the kernel's unmap callback), so an
// unmap never waits on an access.
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/iommufd/io_pagetable.h"

namespace sim {

class SparseMemory;

// A physical run an access_rw copied to or from.
struct PhysRun {
  uint64_t pa = 0, len = 0;
};

class IommufdAccess {
 public:
  explicit IommufdAccess(IoPagetable& iopt, bool needs_pin = true, bool internal = false)
      : iopt_(&iopt), needs_pin_(needs_pin), internal_(internal) {}
  ~IommufdAccess();
  // iommufd_access_attach: joins the IOAS, raising its alignment to the page for an
  // access that pins (EADDRINUSE over a misaligned area; then it stays unattached).
  Errno attach();
  IommufdAccess(const IommufdAccess&) = delete;
  IommufdAccess& operator=(const IommufdAccess&) = delete;

  // The IOVA alignment it asks of its IOAS (iopt_calculate_iova_alignment).
  uint64_t iova_alignment() const { return needs_pin_ ? kCpuPage : 1; }
  bool needs_pin() const { return needs_pin_; }

  // iommufd_access_pin_pages: EINVAL for an access that cannot pin (the selftest's
  // kernel refuses one without the unmap op) or length 0, then what
  // IoPagetable::access_pin says; `pinned` adds the pages pinned from user memory.
  Errno pin(const IommuDriver& drv, const VmmMemory& vmm, uint64_t iova, uint64_t length,
            bool write, uint64_t& pinned);
  // iommufd_access_unpin_pages: the range of an earlier pin; ENOENT for any other, as
  // the selftest's access gives for a pin already dropped by an unmap (the kernel
  // itself WARNs on a range it never pinned).
  Errno unpin(uint64_t iova, uint64_t length);
  // The IOAS is about to unmap [iova, last]: every pin meeting it goes. An internal
  // access (iommufd_access_create_internal: iommufd's own, for a HW queue) has no unmap
  // callback and keeps its pins: the IOAS refuses to unmap them (EBUSY).
  void notify_unmap(uint64_t iova, uint64_t last);
  bool internal() const { return internal_; }
  // A pin of this access meets [iova, last].
  bool pins_in(uint64_t iova, uint64_t last) const;

  // iommufd_access_rw (iommufd_access_rw.cpp): copies `length` bytes between `data`
  // and [iova, iova + length) of the IOAS. EINVAL for length 0, EOVERFLOW past the
  // top, ENOENT when detached; then area by area over contiguous areas: EPERM when the
  // area lacks the right (read, or write) or its pages are not writable, EFAULT where
  // the user memory is gone; ENOENT at a hole (what came before it is already
  // copied, as in the kernel). `slow` (the selftest's MOCK_ACCESS_RW_SLOW_PATH) reads
  // the PFNs as a domain would (pinned_pfns tier, a domain's table, else a transient
  // pin: ENOMEM at a failed pin), else the user VA is copied directly (copy_to_user).
  // `runs` receives the physical runs copied; `pinned` the pages pinned for the copy.
  Errno rw(const IommuDriver& drv, const VmmMemory& vmm, SparseMemory& mem, uint64_t iova,
           uint8_t* data, uint64_t length, bool write, bool slow, std::vector<PhysRun>& runs,
           uint64_t& pinned) const;

  // iommufd_access_replace: moves to IOAS `to`. The same IOAS is a no-op; joining
  // `to` first (EADDRINUSE over a misaligned area, and nothing changes), then the
  // driver's unmap callback drops every pin (the whole range) and the old IOAS
  // recomputes its alignment without this access.
  Errno replace(IoPagetable& to);
  const IoPagetable& ioas() const { return *iopt_; }

  size_t pins() const { return pins_.size(); }
  std::vector<AccessPiece> pieces() const;
  uint64_t unmap_notices() const { return notices_; }

 private:
  struct Pin {
    uint64_t iova = 0, length = 0;
    std::vector<AccessPiece> pieces;
  };
  // One area's stretch of an rw, through the user VA or the PFNs.
  Errno rw_user(const VmmMemory& vmm, SparseMemory& mem, uint64_t va, uint8_t* data, uint64_t bytes,
                bool write, std::vector<PhysRun>& runs) const;
  Errno rw_pfns(const IommuDriver& drv, const VmmMemory& vmm, SparseMemory& mem, const IoptArea& a,
                uint64_t va, uint8_t* data, uint64_t bytes, bool write, std::vector<PhysRun>& runs,
                uint64_t& pinned) const;

  IoPagetable* iopt_;
  bool needs_pin_;
  bool internal_;
  std::vector<Pin> pins_;  // in pinning order
  uint64_t notices_ = 0;
  bool attached_ = false;
};

}  // namespace sim
