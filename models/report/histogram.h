#pragma once
// Log-linear histogram: exact below 128, then 64 sub-buckets per power of two, so a
// reported percentile is within 1/64 of the true value; percentiles by nearest rank.
#include <cstdint>
#include <vector>

namespace sim {

class Histogram {
 public:
  void add(uint64_t v);
  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  uint64_t sum() const { return sum_; }  // saturating
  // p in (0, 100]: the bucket lower bound of the nearest-rank sample, clamped to [min, max].
  uint64_t percentile(double p) const;
  void merge(const Histogram& o);

  static unsigned bucket_of(uint64_t v);
  static uint64_t lower_bound(unsigned bucket);

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0, min_ = UINT64_MAX, max_ = 0, sum_ = 0;
};

}  // namespace sim
