#pragma once
// RLIMIT_MEMLOCK accounting of pinned pages. Each iopt_pages
// gets the context's accounting mode when it is created: NONE (the VMM has
// CAP_IPC_LOCK) charges nothing, USER (default) and MM (RLIMIT_MODE 1) charge against
// RLIMIT_MEMLOCK; every mode counts in pinned_vm. One VMM is one user and one mm, so
// USER and MM share a counter here. Which pages are pinned is the pages object's own
// business (host-sw/iommufd/iopt_pages.h); the ledger sees the deltas after each fill.
//
// Processes: each pages object is charged to the process that created it (its
// source_mm / source_user; process 0 is the VMM), each with its own RLIMIT_MEMLOCK.
// IOAS_CHANGE_PROCESS moves pages objects to another process (change_process.h).
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/kernel/errno.h"

namespace sim {

enum class AccountMode { None, User, Mm };

class PinLedger {
 public:
  explicit PinLedger(uint64_t limit_bytes = 0) : limit_(limit_bytes) {}  // 0: unlimited

  // Charges `pages` newly pinned pages to process `owner`; ENOMEM, changing nothing,
  // when a charging mode would exceed that process's limit (the caller rolls its fill
  // back).
  Errno charge(AccountMode m, uint64_t pages, unsigned owner = 0);
  // Unpinned pages; never fails.
  void uncharge(AccountMode m, uint64_t pages, unsigned owner = 0);
  // Over every process:
  uint64_t pinned_pages() const { return pinned_; }    // mm->pinned_vm, every mode
  uint64_t charged_pages() const { return charged_; }  // locked_vm: USER and MM
  uint64_t locked_bytes() const { return charged_ * 4096; }
  uint64_t limit() const { return limit_; }

  // The processes: 0 is the VMM (with the ledger's limit); `current` creates pages.
  struct Process {
    std::string name;
    uint64_t limit = 0;  // RLIMIT_MEMLOCK in bytes; 0: unlimited
    uint64_t pinned = 0, charged = 0;
  };
  unsigned add_process(const std::string& name, uint64_t limit_bytes);
  const std::vector<Process>& processes() const { return procs_; }
  // The index of a process by name, or -1.
  int find_process(const std::string& name) const;
  unsigned current() const { return current_; }
  void set_current(unsigned p) { current_ = p; }
  // An id for a new pages object, and the mode it is accounted in for its life.
  uint64_t new_pages_id() { return ++pages_ids_; }
  void set_new_mode(AccountMode m) { new_mode_ = m; }
  AccountMode new_mode() const { return new_mode_; }

 private:
  uint64_t limit_;
  uint64_t pinned_ = 0, charged_ = 0;
  std::vector<Process> procs_{Process{"vmm", limit_, 0, 0}};
  unsigned current_ = 0;
  uint64_t pages_ids_ = 0;
  AccountMode new_mode_ = AccountMode::User;
};

}  // namespace sim
