#pragma once
// The guest pages a migration round will send, by physical address: a bitmap over page
// frames (1 bit per 4 KiB page: 32 MiB for a 1 TiB guest), so adding the millions of
// pages a guest's first round holds is a bit set each (a tree set spent a quarter of a
// large study's time there), and reading them back in address order a scan over the
// words ever touched, a page at a time (`next`), never a list of them all (8 bytes a
// page: 2 GiB for a 1 TiB guest's first round).
#include <bit>
#include <cstdint>
#include <vector>

namespace sim {

class PageSet {
 public:
  static constexpr uint64_t kEnd = UINT64_MAX;

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
  bool contains(uint64_t pa) const {
    const uint64_t frame = pa >> 12, w = frame / 64;
    return w < words_.size() && (words_[w] >> (frame % 64) & 1);
  }
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The first page at or above the one holding `pa`, or kEnd: `for (p = s.next(0); p != kEnd; p =
  // s.next(p + 4096))` visits the pages in ascending order.
  uint64_t next(uint64_t pa) const {
    uint64_t frame = pa >> 12, w = frame / 64;
    if (w < lo_) w = lo_, frame = w * 64;
    if (w >= hi_) return kEnd;
    uint64_t bits = words_[w] & (~0ull << (frame % 64));
    while (!bits) {
      if (++w >= hi_) return kEnd;
      bits = words_[w];
    }
    return (w * 64 + uint64_t(std::countr_zero(bits))) << 12;
  }
  // Page addresses in ascending order (small sets: tests).
  std::vector<uint64_t> pages() const {
    std::vector<uint64_t> out;
    out.reserve(count_);
    for (uint64_t p = next(0); p != kEnd; p = next(p + 4096)) out.push_back(p);
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
