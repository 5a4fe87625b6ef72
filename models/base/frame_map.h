#pragma once
// A flat open-addressing table from page frame to a small record, for the few pages
// whose state does not fit a bit: one array of slots (linear probing, deletion by
// backward shift, so no tombstones), no node or allocation per entry. Never iterated:
// its order would depend on the hash, so callers walk a FrameBits instead.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/base/huge_page_allocator.h"

namespace sim {

template <class V>
class FrameMap {
 public:
  FrameMap() : slots_(16) {}

  V* find(uint64_t frame) {
    return const_cast<V*>(static_cast<const FrameMap*>(this)->find(frame));
  }
  const V* find(uint64_t frame) const {
    for (size_t i = home(frame);; i = (i + 1) & mask()) {
      if (!slots_[i].used) return nullptr;
      if (slots_[i].frame == frame) return &slots_[i].value;
    }
  }
  // Starts loading the frame's home slot (a probe of a frame scattered at random is a
  // cache miss; started early, it overlaps the caller's work).
  void prefetch(uint64_t frame) const { __builtin_prefetch(&slots_[home(frame)]); }
  // The frame's record, value-initialised when new.
  V& get(uint64_t frame) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    size_t i = home(frame);
    for (; slots_[i].used; i = (i + 1) & mask())
      if (slots_[i].frame == frame) return slots_[i].value;
    slots_[i] = Slot{frame, true, V{}};
    ++size_;
    return slots_[i].value;
  }
  void erase(uint64_t frame) {
    size_t i = home(frame);
    for (;; i = (i + 1) & mask()) {
      if (!slots_[i].used) return;
      if (slots_[i].frame == frame) break;
    }
    // Backward shift: move later entries of the probe run into the hole.
    for (size_t j = (i + 1) & mask(); slots_[j].used; j = (j + 1) & mask()) {
      const size_t h = home(slots_[j].frame);
      if (((j - h) & mask()) >= ((j - i) & mask())) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].used = false;
    --size_;
  }
  size_t size() const { return size_; }
  uint64_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  // The frame and its flag first: a probe reads one cache line whatever V's size.
  struct Slot {
    uint64_t frame = 0;
    bool used = false;
    V value{};
  };
  size_t mask() const { return slots_.size() - 1; }
  size_t home(uint64_t frame) const {
    const uint64_t x = frame * 0x9e3779b97f4a7c15ull;
    return size_t(x ^ (x >> 31)) & mask();
  }
  void grow() {
    std::vector<Slot, HugePageAllocator<Slot>> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.used) get(s.frame) = s.value;
  }

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  size_t size_ = 0;
};

}  // namespace sim
