#pragma once
// Pins and RLIMIT_MEMLOCK accounting of iopt_pages (iommufd-semantics §2.1, §2.7):
// a page of a pages object is pinned exactly once while any area stored in a domain
// covers it, however many areas, IOASes or COPYs share it. Each pages object gets the
// context's accounting mode when it is created: NONE (the VMM has CAP_IPC_LOCK)
// charges nothing, USER (default) and MM (RLIMIT_MODE 1) charge its pinned pages
// against RLIMIT_MEMLOCK. One VMM is one user and one mm, so USER and MM share a
// counter here. Covers are kept as an interval map of counts, never per page.
#include <cstdint>
#include <map>

#include "host-sw/errno.h"

namespace sim {

enum class AccountMode { None, User, Mm };

class PinLedger {
 public:
  explicit PinLedger(uint64_t limit_bytes = 0) : limit_(limit_bytes) {}  // 0: unlimited

  // Covers pages [first, last] (user page numbers) of pages object `id`; pages not
  // covered before get pinned and charged. ENOMEM, changing nothing, when the charge
  // would exceed the limit.
  Errno cover(uint64_t id, uint64_t first, uint64_t last);
  // Drops one cover; pages no longer covered are unpinned and uncharged.
  void uncover(uint64_t id, uint64_t first, uint64_t last);
  uint64_t pinned_pages() const { return pinned_; }    // mm->pinned_vm, every mode
  uint64_t charged_pages() const { return charged_; }  // locked_vm: USER and MM
  uint64_t locked_bytes() const { return charged_ * 4096; }
  uint64_t limit() const { return limit_; }
  // A new pages object, accounted in the context's current mode for its life.
  uint64_t new_pages_id() {
    modes_[++pages_ids_] = new_mode_;
    return pages_ids_;
  }
  void set_new_mode(AccountMode m) { new_mode_ = m; }
  AccountMode new_mode() const { return new_mode_; }
  AccountMode mode(uint64_t id) const { return modes_.at(id); }

 private:
  // Pages not yet covered in [first, last] of one pages object.
  uint64_t uncovered(const std::map<uint64_t, unsigned>& segs, uint64_t first, uint64_t last) const;
  // Splits the segments so that `at` starts one.
  static void split(std::map<uint64_t, unsigned>& segs, uint64_t at);

  uint64_t limit_;
  uint64_t pinned_ = 0, charged_ = 0;
  uint64_t pages_ids_ = 0;
  std::map<uint64_t, AccountMode> modes_;
  AccountMode new_mode_ = AccountMode::User;
  // Per pages object: segment start -> cover count up to the next segment start.
  std::map<uint64_t, std::map<uint64_t, unsigned>> covers_;
};

}  // namespace sim
