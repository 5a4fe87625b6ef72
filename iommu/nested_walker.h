#pragma once
// Two-stage (nested) translation: the guest's stage-1 table maps an IOVA to a guest
// physical address (GPA), and every address stage 1 hands out, each table pointer and
// the final page, is itself a GPA that the host's stage-2 table translates. So a cold
// miss of a 4-level stage 1 over a 4-level stage 2 reads 4 * 4 + 4 + 4 = 24 entries.
// Stage-1 A/D updates are writes to guest memory: they go through stage 2 as writes,
// so a stage 2 that tracks dirty state marks the guest's table pages dirty, and the
// walk lists those pages for whoever must count them (the migration's oracle).
#include <algorithm>
#include <array>
#include <cstdint>

#include "iommu/page_walker.h"

namespace sim {

enum class WalkStage : uint8_t { None = 0, Stage1 = 1, Stage2 = 2 };
const char* stage_name(WalkStage s);

struct NestedWalkResult {
  FaultReason fault = FaultReason::None;
  WalkStage fault_stage = WalkStage::None;
  uint64_t fault_gpa = 0;   // the GPA stage 2 could not translate or write (stage-2 faults)
  uint64_t gpa = 0;         // the IOVA's guest physical address (stage 1's output)
  uint64_t pbase = 0;       // host physical base of the combined page
  uint8_t size_shift = 12;  // the combined page: the smaller of the two leaves
  uint8_t s1_size_shift = 12, s2_size_shift = 12;
  bool r = false, w = false;                  // the tighter of the two stages' permissions
  uint64_t s1_pte_addr = 0, s2_pte_addr = 0;  // host physical addresses of the leaves
  unsigned s1_reads = 0, s2_reads = 0;
  bool s1_a_set = false, s1_d_set = false;  // this walk set them in the guest's leaf
  bool s2_d_set = false;                    // this walk dirtied the data page's stage-2 leaf
  bool s1_dirty = false, s2_dirty = false;  // the leaves' dirty state after the walk
  // Guest table pages (GPA, page-aligned) the walk wrote with stage-1 A/D updates, and
  // their host physical pages.
  std::array<uint64_t, 8> table_writes{};
  std::array<uint64_t, 8> table_writes_hpa{};
  unsigned n_table_writes = 0;
  uint8_t table_writes_untracked = 0;   // bit i: table_writes[i] left stage-2 D clear (negative)
  unsigned s2_table_pages_dirtied = 0;  // of those, pages whose stage-2 leaf this walk dirtied
  unsigned s1_cached_levels = 0;        // stage-1 levels the stage-1 walk cache skipped
  unsigned s2_cache_hits = 0;           // stage-2 walks that started below the root
  Ps done = 0;
  unsigned reads() const { return s1_reads + s2_reads; }
};

// The paging-structure caches a nested walk may use: stage 1's tagged by the stage-1
// domain and PASID (next-table GPAs), stage 2's by the stage-2 domain (host tables).
struct NestedWalkCaches {
  WalkCache* s1 = nullptr;
  uint16_t s1_did = 0;
  uint32_t pasid = 0;
  WalkCache* s2 = nullptr;
  uint16_t s2_did = 0;
};

class NestedWalker {
 public:
  NestedWalker(const PageTableFormat& s1, const PageTableFormat& s2, SparseMemory& mem,
               MemoryTiming& timing, Ps overhead)
      : s1_(s1), mem_(mem), timing_(timing), s2_(s2, mem, timing, 0), overhead_(overhead) {}
  // Negative control: stage-1 A/D writes to guest table pages skip stage-2 dirty tracking.
  void skip_table_dirty(bool on) { skip_table_dirty_ = on; }
  // The unit's dirty log: stage 2's D sets (GPA, the IOAS's IOVA) are logged.
  void set_log(DirtyLogRing* log) { s2_.set_log(log); }

  // Translates `iova` through the guest's table at `s1_root` (a GPA) and the host's at
  // `s2_root` (host physical). `track_s1`: the hardware updates stage-1 A/D (always on
  // VT-d's first stage); `track_s2`: stage 2 tracks dirty state (the nesting parent's
  // dirty tracking).
  NestedWalkResult walk(uint64_t s1_root, uint64_t s2_root, uint64_t iova, bool write,
                        bool track_s1, bool track_s2, Ps start,
                        const NestedWalkCaches& caches = {});

 private:
  struct Stage2 {
    WalkResult r;
    uint64_t hpa = 0;
  };
  // One stage-2 translation of `gpa`; counts its reads into `out`.
  Stage2 translate(uint64_t s2_root, uint64_t gpa, bool write, bool track, Ps& t,
                   NestedWalkResult& out, const NestedWalkCaches& caches);
  // A stage-1 entry's A/D update: a write to the guest's table page through stage 2.
  bool update_entry(uint64_t* word, uint64_t updated, uint64_t table_gpa, const Stage2& s2,
                    bool track_s2, Ps& t, NestedWalkResult& out);

  const PageTableFormat& s1_;
  SparseMemory& mem_;
  MemoryTiming& timing_;
  PageWalker s2_;
  Ps overhead_;
  bool skip_table_dirty_ = false;
};

}  // namespace sim
