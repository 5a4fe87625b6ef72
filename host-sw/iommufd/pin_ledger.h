#pragma once
// RLIMIT_MEMLOCK accounting of pinned pages. Each iopt_pages
// gets the context's accounting mode when it is created: NONE (the VMM has
// CAP_IPC_LOCK) charges nothing, USER (default) and MM (RLIMIT_MODE 1) charge against
// RLIMIT_MEMLOCK; every mode counts in pinned_vm. One VMM is one user and one mm, so
// USER and MM share a counter here. Which pages are pinned is the pages object's own
// business (host-sw/iommufd/iopt_pages.h); the ledger sees the deltas after each fill.
#include <cstdint>

#include "host-sw/kernel/errno.h"

namespace sim {

enum class AccountMode { None, User, Mm };

class PinLedger {
 public:
  explicit PinLedger(uint64_t limit_bytes = 0) : limit_(limit_bytes) {}  // 0: unlimited

  // Charges `pages` newly pinned pages; ENOMEM, changing nothing, when a charging mode
  // would exceed the limit (the caller rolls its fill back).
  Errno charge(AccountMode m, uint64_t pages);
  // Unpinned pages; never fails.
  void uncharge(AccountMode m, uint64_t pages);
  uint64_t pinned_pages() const { return pinned_; }    // mm->pinned_vm, every mode
  uint64_t charged_pages() const { return charged_; }  // locked_vm: USER and MM
  uint64_t locked_bytes() const { return charged_ * 4096; }
  uint64_t limit() const { return limit_; }
  // An id for a new pages object, and the mode it is accounted in for its life.
  uint64_t new_pages_id() { return ++pages_ids_; }
  void set_new_mode(AccountMode m) { new_mode_ = m; }
  AccountMode new_mode() const { return new_mode_; }

 private:
  uint64_t limit_;
  uint64_t pinned_ = 0, charged_ = 0;
  uint64_t pages_ids_ = 0;
  AccountMode new_mode_ = AccountMode::User;
};

}  // namespace sim
