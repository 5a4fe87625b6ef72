#pragma once
// pfn_batch: what a pfn_reader hands over at a time, runs of
// physically contiguous PFNs with a bound on how many runs fit (the kernel sizes it
// from a 64 KiB temporary buffer; tests shrink it to force splits). A full batch is
// not an error: the reader stops there and goes on with the next batch.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sim {

struct PfnRun {
  uint64_t pfn = 0, npfns = 0;
};

class PfnBatch {
 public:
  // The kernel's default: 64 KiB of (u64 pfn, u32 npfns) pairs.
  static constexpr size_t kDefaultRuns = 65536 / 12;
  explicit PfnBatch(size_t max_runs = kDefaultRuns) : max_runs_(max_runs ? max_runs : 1) {}

  // Appends `n` PFNs from `pfn` on; returns how many fitted (fewer when the batch
  // filled up). A PFN that continues the last run extends it.
  uint64_t add(uint64_t pfn, uint64_t n);
  bool full() const { return runs_.size() == max_runs_; }
  bool empty() const { return runs_.empty(); }
  void clear() { runs_.clear(), total_ = 0; }
  // The PFN at position `i` of the batch (0 <= i < total()).
  uint64_t pfn_at(uint64_t i) const;
  const std::vector<PfnRun>& runs() const { return runs_; }
  uint64_t total() const { return total_; }
  size_t max_runs() const { return max_runs_; }

 private:
  size_t max_runs_;
  std::vector<PfnRun> runs_;
  uint64_t total_ = 0;
};

}  // namespace sim
