#pragma once
// The DMA API's IOVA allocator with Linux's per-CPU range caches (the "magazines" of
// Peleg et al., "Utilizing the IOMMU scalably", ATC'15): each CPU holds a loaded and
// a previous magazine of up to `magazine` page IOVAs and allocates and frees there
// without a lock; a depot of full magazines sits behind them, and behind the depot the
// allocator's tree (an interval tree under one lock). `magazine: 0` is the allocator
// before the caches: every allocation and every free is a tree operation.
// Page-sized IOVAs only (a receive buffer fits one page), inside [base, base + length).
#include <cstdint>
#include <vector>

namespace sim {

class IovaMagazines {
 public:
  // Where an operation was served: the CPU's magazines (no lock), the depot (its
  // lock, a magazine moved) or the tree (its lock, `tree_ops` IOVAs inserted or removed).
  enum class Source { Cpu, Depot, Tree };

  IovaMagazines(uint64_t base, uint64_t length, unsigned cpus, unsigned magazine, unsigned depot);
  // A free page IOVA for `cpu`; false when the window is exhausted.
  bool alloc(unsigned cpu, uint64_t& iova, Source& from);
  Source free(unsigned cpu, uint64_t iova);
  // IOVAs the last operation took from or gave back to the tree (a depot overflow
  // frees a whole magazine there).
  uint64_t tree_ops() const { return tree_ops_; }
  uint64_t in_use() const { return in_use_; }

 private:
  struct Cpu {
    std::vector<uint64_t> loaded, prev;
  };
  uint64_t tree_alloc();  // 0 when exhausted
  void tree_free(uint64_t iova);

  unsigned magazine_, depot_size_;
  std::vector<Cpu> cpus_;
  std::vector<std::vector<uint64_t>> depot_;  // full magazines
  uint64_t next_, end_;                       // the tree: never-used pages from next_...
  std::vector<uint64_t> tree_free_;           // ...and pages given back (lowest first out)
  uint64_t tree_ops_ = 0, in_use_ = 0;
};

}  // namespace sim
