#pragma once
// What a unit with nesting keeps for nested contexts besides the shared caches: a
// two-stage walker per stage-1 format and level count, and the `iommu.nested.*`
// statistics (registered only here, so units without nesting report what they did).
#include <array>
#include <memory>
#include <string>

#include "iommu/iommu_config.h"
#include "iommu/nested_walker.h"
#include "iommu/page_walker.h"
#include "iommu/stage1_formats.h"
#include "models/report/histogram.h"
#include "models/report/stats.h"
#include "models/report/trace.h"

namespace sim {

struct NestedState {
  NestedState(const IommuConfig& c, const PageTableFormat& s2, SparseMemory& mem,
              MemoryTiming& timing, StatsRegistry& stats);

  struct Stage1 {
    const Stage1Registration* reg = nullptr;
    std::unique_ptr<PageTableFormat> format;
    std::unique_ptr<NestedWalker> walker;
  };
  // The stage-1 format and walker a valid nested entry names (made on first use).
  Stage1& stage1(const PasidNesting& n);
  void count_fault(WalkStage s) { ++*(s == WalkStage::Stage1 ? &faults_s1 : &faults_s2); }

  const PageTableFormat& s2_format;
  DirtyLogRing* log = nullptr;  // the unit's dirty log, given to each walker made
  SparseMemory& mem;
  MemoryTiming& timing;
  Ps overhead;
  bool skip_table_dirty;           // negative.nested_s1_ad_skips_s2_dirty
  std::array<Stage1, 64> stage1s;  // [format code * 8 + levels]

  uint64_t& walks;
  Histogram& reads_per_miss;
  uint64_t& s1_walk_cache_hits;
  uint64_t& s2_walk_cache_hits;
  uint64_t& rewalks;
  uint64_t& guest_table_writes;
  uint64_t& s2_table_dirty_sets;
  uint64_t& faults_s1;
  uint64_t& faults_s2;
};

// The `fault` trace record of a nested context: the stage, and for stage 2 the GPA.
void trace_nested_fault(TraceRecorder& trace, Ps at, const std::string& unit, uint16_t bdf,
                        uint64_t iova, bool write, FaultReason why, WalkStage stage, uint64_t gpa);

}  // namespace sim
