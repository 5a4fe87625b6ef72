#pragma once
// The guest pages a migration round will send, by physical address: a bitmap over page
// frames, so adding the millions of pages a 16 GiB guest's first round holds is a bit
// set each (a tree set spent a quarter of a large study's time there), and reading them
// back in address order a scan over the words ever touched.
#include <bit>
#include <cstdint>
#include <vector>

namespace sim {

class PageSet {
 public:
  // Adds the 4 KiB page holding `pa`; false when it was in already.
  bool insert(uint64_t pa) {
    const uint64_t frame = pa >> 12, w = frame / 64, bit = 1ull << (frame % 64);
    if (w >= words_.size()) words_.resize(w + 1 + words_.size() / 2, 0);
    if (words_[w] & bit) return false;
    words_[w] |= bit;
    ++count_;
    lo_ = w < lo_ ? w : lo_;
    hi_ = w + 1 > hi_ ? w + 1 : hi_;
    return true;
  }
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Page addresses in ascending order.
  std::vector<uint64_t> pages() const {
    std::vector<uint64_t> out;
    out.reserve(count_);
    for (uint64_t w = lo_; w < hi_; ++w)
      for (uint64_t bits = words_[w]; bits; bits &= bits - 1)
        out.push_back((w * 64 + uint64_t(std::countr_zero(bits))) << 12);
    return out;
  }
  void clear() {
    for (uint64_t w = lo_; w < hi_; ++w) words_[w] = 0;
    count_ = 0;
    lo_ = UINT64_MAX;
    hi_ = 0;
  }

 private:
  std::vector<uint64_t> words_;
  uint64_t count_ = 0;
  uint64_t lo_ = UINT64_MAX, hi_ = 0;  // the words [lo_, hi_) may hold bits
};

}  // namespace sim
