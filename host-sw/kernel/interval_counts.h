#pragma once
// A count per index over a huge index space, kept as segments (never per index): how
// many covers hold each page of a pages object. Adding reports the ranges that went
// from 0 to 1 (to pin), removing the ranges that went back to 0 (to unpin).
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace sim {

struct IndexRange {
  uint64_t first = 0, last = 0;  // inclusive
  uint64_t size() const { return last - first + 1; }
  bool operator==(const IndexRange&) const = default;
};

class IntervalCounts {
 public:
  // +1 over [first, last]; returns the sub-ranges that were at 0.
  std::vector<IndexRange> add(uint64_t first, uint64_t last);
  // -1 over [first, last] (each index must be above 0); returns the sub-ranges now at 0.
  std::vector<IndexRange> remove(uint64_t first, uint64_t last);
  unsigned count(uint64_t index) const;
  // The maximal sub-ranges of [first, last] at 0 (zero == true) or above it.
  std::vector<IndexRange> ranges(uint64_t first, uint64_t last, bool zero) const;
  // Indexes above 0 in [first, last].
  uint64_t covered(uint64_t first, uint64_t last) const;
  bool empty() const { return segs_.empty(); }
  size_t segments() const { return segs_.size(); }  // memory: grows with covers, not pages

 private:
  void split(uint64_t at);
  void merge();
  // segment start -> count up to the next segment start; the last segment is 0.
  std::map<uint64_t, unsigned> segs_;
};

}  // namespace sim
