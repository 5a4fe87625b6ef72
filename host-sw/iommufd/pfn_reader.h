#pragma once
// pfn_reader: reads the PFNs of an index range of an
// iopt_pages into batches, span by span over the tiers (pinned_pfns, a domain read
// back through its page table, user memory). Holes are pinned from the VMM's memory,
// where a pin may return fewer pages than asked (it stops at the end of a mapping and
// at the reader's chunk), and zero pages is EFAULT (no mapping, or a writable pages
// object over read-only memory). The reader holds what it pinned until release():
// the caller first puts its own cover on the range (an area stored, an access), so
// releasing unpins only what nobody else holds, which is also the unwind on error.
#include <cstdint>
#include <vector>

#include "host-sw/iommufd/iopt_pages.h"
#include "host-sw/iommufd/pfn_batch.h"
#include "host-sw/kernel/errno.h"

namespace sim {

class IommuDriver;
class SparseMemory;
class VmmMemory;

class PfnReader {
 public:
  static constexpr uint64_t kPinChunk = 512;  // pages one pin_user_pages call takes at most

  PfnReader(IoptPages& pages, const VmmMemory& vmm, const IommuDriver& drv, const SparseMemory& mem,
            uint64_t first, uint64_t last, size_t batch_runs = PfnBatch::kDefaultRuns);
  PfnReader(const PfnReader&) = delete;
  PfnReader& operator=(const PfnReader&) = delete;
  ~PfnReader() { release(); }

  // Fills the next batch from where the last one ended; EFAULT at a page that cannot
  // be pinned, ENOMEM when the pin fails (a failure point); what this reader pinned
  // stays held until release().
  Errno next();
  bool done() const { return cur_ > last_; }
  const PfnBatch& batch() const { return batch_; }
  uint64_t batch_first() const { return batch_first_; }  // index of the batch's first PFN
  uint64_t pinned() const { return pinned_; }            // pages pinned from user memory
  uint64_t pin_calls() const { return pin_calls_; }
  // Drops the reader's holds: pages no other cover holds are unpinned. Returns those.
  uint64_t release();

 private:
  // Pins up to `n` pages from index `at` into the batch; returns how many (0: EFAULT).
  uint64_t pin_user(uint64_t at, uint64_t n);
  // PFN of `at` read back from the domain that stores it, and how many follow it.
  std::pair<uint64_t, uint64_t> read_domain(const DomainCover& c, uint64_t at) const;

  IoptPages& pages_;
  const VmmMemory& vmm_;
  const IommuDriver& drv_;
  const SparseMemory& mem_;
  uint64_t cur_, last_;
  PfnBatch batch_;
  uint64_t batch_first_ = 0, pinned_ = 0, pin_calls_ = 0;
  std::vector<IndexRange> held_;
  Errno pin_error_ = Errno::Ok;
};

}  // namespace sim
