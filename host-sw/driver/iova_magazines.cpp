#include "host-sw/driver/iova_magazines.h"

#include <algorithm>
#include <functional>

namespace sim {

IovaMagazines::IovaMagazines(uint64_t base, uint64_t length, unsigned cpus, unsigned magazine,
                             unsigned depot)
    : magazine_(magazine),
      depot_size_(depot),
      cpus_(cpus),
      next_(base == 0 ? 4096 : base),  // IOVA 0 is never handed out
      end_(base + length) {}

uint64_t IovaMagazines::tree_alloc() {
  ++tree_ops_;
  if (!tree_free_.empty()) {
    // A min-heap: the lowest freed page first, as a first fit over the tree would.
    std::pop_heap(tree_free_.begin(), tree_free_.end(), std::greater<>());
    const uint64_t iova = tree_free_.back();
    tree_free_.pop_back();
    return iova;
  }
  if (next_ + 4096 > end_) return 0;
  const uint64_t iova = next_;
  next_ += 4096;
  return iova;
}

void IovaMagazines::tree_free(uint64_t iova) {
  ++tree_ops_;
  tree_free_.push_back(iova);
  std::push_heap(tree_free_.begin(), tree_free_.end(), std::greater<>());
}

bool IovaMagazines::alloc(unsigned cpu, uint64_t& iova, Source& from) {
  tree_ops_ = 0;
  Cpu& c = cpus_[cpu];
  if (magazine_) {
    if (c.loaded.empty() && !c.prev.empty()) std::swap(c.loaded, c.prev);
    if (c.loaded.empty() && !depot_.empty()) {
      c.loaded = std::move(depot_.back());
      depot_.pop_back();
      from = Source::Depot;
    } else {
      from = Source::Cpu;
    }
    if (!c.loaded.empty()) {
      iova = c.loaded.back();
      c.loaded.pop_back();
      ++in_use_;
      return true;
    }
  }
  from = Source::Tree;
  iova = tree_alloc();
  if (!iova) return false;
  ++in_use_;
  return true;
}

IovaMagazines::Source IovaMagazines::free(unsigned cpu, uint64_t iova) {
  tree_ops_ = 0;
  --in_use_;
  Cpu& c = cpus_[cpu];
  if (!magazine_) {
    tree_free(iova);
    return Source::Tree;
  }
  if (c.loaded.size() >= magazine_ && c.prev.size() < magazine_) std::swap(c.loaded, c.prev);
  if (c.loaded.size() < magazine_) {
    c.loaded.push_back(iova);
    return Source::Cpu;
  }
  // Both full: the loaded magazine goes to the depot, or back to the tree whole.
  Source from = Source::Depot;
  if (depot_.size() < depot_size_) {
    depot_.push_back(std::move(c.loaded));
  } else {
    for (uint64_t x : c.loaded) tree_free(x);
    from = Source::Tree;
  }
  c.loaded.clear();
  c.loaded.push_back(iova);
  return from;
}

}  // namespace sim
