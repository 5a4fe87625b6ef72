#pragma once
// Pins and RLIMIT_MEMLOCK accounting of iopt_pages (iommufd-semantics §2.1, §2.7):
// a page of a pages object is pinned exactly once while any area stored in a domain
// covers it, however many areas, IOASes or COPYs share it, and the charge equals the
// pinned pages (USER accounting mode). Covers are kept as an interval map of counts,
// never per page.
#include <cstdint>
#include <map>

#include "host-sw/errno.h"

namespace sim {

class PinLedger {
 public:
  explicit PinLedger(uint64_t limit_bytes = 0) : limit_(limit_bytes) {}  // 0: unlimited

  // Covers pages [first, last] (user page numbers) of pages object `id`; pages not
  // covered before get pinned and charged. ENOMEM, changing nothing, when the charge
  // would exceed the limit.
  Errno cover(uint64_t id, uint64_t first, uint64_t last);
  // Drops one cover; pages no longer covered are unpinned and uncharged.
  void uncover(uint64_t id, uint64_t first, uint64_t last);
  uint64_t pinned_pages() const { return pinned_; }
  uint64_t locked_bytes() const { return pinned_ * 4096; }
  uint64_t limit() const { return limit_; }
  uint64_t new_pages_id() { return ++pages_ids_; }

 private:
  // Pages not yet covered in [first, last] of one pages object.
  uint64_t uncovered(const std::map<uint64_t, unsigned>& segs, uint64_t first,
                     uint64_t last) const;
  // Splits the segments so that `at` starts one.
  static void split(std::map<uint64_t, unsigned>& segs, uint64_t at);

  uint64_t limit_;
  uint64_t pinned_ = 0;
  uint64_t pages_ids_ = 0;
  // Per pages object: segment start -> cover count up to the next segment start.
  std::map<uint64_t, std::map<uint64_t, unsigned>> covers_;
};

}  // namespace sim
