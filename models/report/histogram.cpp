#include "models/report/histogram.h"

#include <algorithm>
#include <cmath>

namespace sim {

// Buckets 0..127 hold their value; above, each power of two 2^e (e >= 7) has 64
// buckets of width 2^(e-6).
unsigned Histogram::bucket_of(uint64_t v) {
  if (v < 128) return unsigned(v);
  unsigned e = 63 - unsigned(__builtin_clzll(v));
  unsigned sub = unsigned((v >> (e - 6)) & 63);
  return 128 + (e - 7) * 64 + sub;
}

uint64_t Histogram::lower_bound(unsigned b) {
  if (b < 128) return b;
  unsigned e = (b - 128) / 64 + 7, sub = (b - 128) % 64;
  return (uint64_t(64 + sub)) << (e - 6);
}

void Histogram::add(uint64_t v) {
  unsigned b = bucket_of(v);
  if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
  ++buckets_[b];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ = sum_ + v < sum_ ? UINT64_MAX : sum_ + v;
}

uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  uint64_t rank = uint64_t(std::ceil(p / 100.0 * double(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (unsigned b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::clamp(lower_bound(b), min(), max_);
  }
  return max_;
}

void Histogram::merge(const Histogram& o) {
  if (o.buckets_.size() > buckets_.size()) buckets_.resize(o.buckets_.size(), 0);
  for (size_t i = 0; i < o.buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  sum_ = sum_ + o.sum_ < sum_ ? UINT64_MAX : sum_ + o.sum_;
}

}  // namespace sim
