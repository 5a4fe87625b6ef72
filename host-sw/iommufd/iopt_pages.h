#pragma once
// iopt_pages: one per MAP, shared by its COPYs and splits
// across IOASes. It knows which of its pages are pinned and where each page's PFN can
// be read back, in the kernel's preference order: the pinned_pfns tier (only indexes
// an in-kernel access holds), a domain an area of these pages is stored in (read back
// from its page table), or the VMM's memory (pin). An index is pinned exactly once
// while any cover holds it (areas stored in domains, accesses, a reader mid-fill) and
// unpinned when the last cover goes. Everything is kept as intervals, never per page.
//
// Indexes here are user page numbers (user VA / 4 KiB); the kernel's index 0, the page
// holding `uptr`, is index uptr / 4 KiB.
#include <cstdint>
#include <map>
#include <optional>

#include "host-sw/iommufd/pfn_batch.h"
#include "host-sw/iommufd/pin_ledger.h"
#include "host-sw/kernel/interval_counts.h"

namespace sim {

struct Domain;

// Where a pages object's index range is readable from a domain: an area stored in
// domains, its storage domain, and the IOVA of its first index's page.
struct DomainCover {
  IndexRange pages;
  uint64_t iova = 0;  // IOVA of page `pages.first` (areas in domains are page-aligned)
  const Domain* storage = nullptr;
};

enum class PfnTier { Access, Domain, User };

class IoptPages {
 public:
  IoptPages(uint64_t id, uint64_t uptr, uint64_t length, bool writable, AccountMode mode)
      : id_(id), uptr_(uptr), length_(length), writable_(writable), mode_(mode) {}

  uint64_t id() const { return id_; }
  uint64_t uptr() const { return uptr_; }
  uint64_t length() const { return length_; }
  bool writable() const { return writable_; }
  AccountMode mode() const { return mode_; }
  // The process charged for these pages (PinLedger's index: source_mm), and whether
  // they are a file's (IOAS_MAP_FILE: IOPT_ADDRESS_FILE) rather than user memory's.
  unsigned owner() const { return owner_; }
  void set_owner(unsigned p) { owner_ = p; }
  bool file() const { return file_; }
  void set_file(bool f) { file_ = f; }

  // Pins: one more cover over [first, last]; indexes at 0 before become pinned.
  void hold(uint64_t first, uint64_t last);
  // One cover less; returns how many indexes this unpinned.
  uint64_t release(uint64_t first, uint64_t last);
  unsigned holders(uint64_t index) const { return holders_.count(index); }
  // The sub-ranges of [first, last] no cover holds (to be pinned from user memory).
  std::vector<IndexRange> holes(uint64_t first, uint64_t last) const {
    return holders_.ranges(first, last, true);
  }
  uint64_t npinned() const { return npinned_; }
  // Accounting watermark: what the ledger has been charged for these pages.
  uint64_t last_npinned() const { return last_npinned_; }
  void set_last_npinned(uint64_t n) { last_npinned_ = n; }

  // The pinned_pfns tier: an access's cover over [first, last]; returns the ranges
  // that are new to the tier, whose PFNs the caller stores with store_pfns.
  std::vector<IndexRange> access_add(uint64_t first, uint64_t last) {
    return access_.add(first, last);
  }
  // Drops an access's cover; PFNs no access holds any more leave the tier.
  void access_remove(uint64_t first, uint64_t last);
  void store_pfns(uint64_t first, const PfnBatch& batch);
  bool in_access_tier(uint64_t index) const { return access_.count(index) > 0; }
  // PFN of an index in the access tier, and how many following indexes continue it.
  std::pair<uint64_t, uint64_t> access_pfn(uint64_t index) const;
  uint64_t access_indexes() const;  // indexes in the tier

  // Sub-ranges of [first, last] not in the pinned_pfns tier.
  std::vector<IndexRange> access_holes(uint64_t first, uint64_t last) const {
    return access_.ranges(first, last, true);
  }
  // The domain tier: covers keyed by the caller (one per area stored in domains).
  uint64_t new_cover_key() { return ++cover_keys_; }
  void add_domain_cover(uint64_t key, const DomainCover& c) { domain_covers_[key] = c; }
  void remove_domain_cover(uint64_t key) { domain_covers_.erase(key); }
  void set_storage(uint64_t key, const Domain* d) { domain_covers_.at(key).storage = d; }
  const std::map<uint64_t, DomainCover>& domain_covers() const { return domain_covers_; }
  // The first domain cover holding index, if any.
  const DomainCover* domain_cover_at(uint64_t index) const;
  // Where index's PFN is read from, and the last index of that span (the span stops
  // where the tier may change).
  PfnTier tier(uint64_t index, uint64_t limit, uint64_t& span_last) const;

  size_t segments() const { return holders_.segments() + access_.segments() + pfns_.size(); }

 private:
  struct PfnSeg {
    uint64_t last = 0, pfn = 0;  // index range [key, last] -> pfn, pfn + 1, ...
  };
  uint64_t id_, uptr_, length_;
  bool writable_;
  AccountMode mode_;
  unsigned owner_ = 0;
  bool file_ = false;
  IntervalCounts holders_, access_;
  std::map<uint64_t, PfnSeg> pfns_;
  std::map<uint64_t, DomainCover> domain_covers_;
  uint64_t npinned_ = 0, last_npinned_ = 0;
  uint64_t cover_keys_ = 0;
};

}  // namespace sim
