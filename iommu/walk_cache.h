#pragma once
// The paging-structure caches (VT-d's PML4/PDPT/PDE caches): for each non-leaf level,
// set-associative entries tagged (domain, IOVA prefix) that hold the next table's
// address, so a walk starts at the deepest level it finds and reads only the levels
// below. Invalidated by the IOTLB descriptors that cover them; a page-selective one
// with the leaf-only hint may spare them (a knob: VT-d ignored hints before 2025).
// Under nesting a second instance caches stage 1, tagged by stage-1 domain and PASID
// (the PASID is 0 in every other use).
#include <cstdint>
#include <vector>

namespace sim {

class WalkCache {
 public:
  // `entries` per non-leaf level (0: no cache); levels 2..levels are cached.
  WalkCache(unsigned entries, unsigned ways, unsigned levels);

  struct Hit {
    unsigned level = 0;  // 0: nothing cached; else the level whose table to read next
    uint64_t table = 0;
  };
  Hit lookup(uint16_t did, uint64_t iova, uint32_t pasid = 0);
  // The entry read at `level` (> 1) for iova points to `next_table`.
  void fill(uint16_t did, uint64_t iova, unsigned level, uint64_t next_table, uint32_t pasid = 0);
  unsigned invalidate_domain(uint16_t did);
  unsigned invalidate_range(uint16_t did, uint64_t addr, uint64_t length);
  unsigned invalidate_all();
  // Entries of (did, pasid) overlapping [addr, +length) (`all_pasids`: any PASID of did).
  unsigned invalidate_pasid(uint16_t did, uint32_t pasid, bool all_pasids, uint64_t addr,
                            uint64_t length);
  bool enabled() const { return entries_ > 0; }

 private:
  struct Entry {
    bool valid = false;
    uint16_t did = 0;
    uint32_t pasid = 0;
    uint64_t tag = 0;  // iova >> the level's entry shift
    uint64_t table = 0;
    uint64_t stamp = 0;
  };
  static unsigned shift(unsigned level) { return 12 + 9 * (level - 1); }
  Entry* set(unsigned level, uint16_t did, uint64_t tag, uint32_t pasid);

  unsigned entries_, ways_, levels_;
  std::vector<std::vector<Entry>> by_level_;  // [level]
  uint64_t clock_ = 0;
};

}  // namespace sim
