#pragma once
// What a user dirty bitmap says, as IOVA ranges: decoding a bitmap in VMM memory and
// comparing the result with what a scenario's `expect_dirty:` lists (both front ends,
// iommufd and VFIO type1, check their bitmaps this way).
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/kernel/vmm_memory.h"
#include "models/base/units.h"
#include "models/memory/sparse_memory.h"

namespace sim {

// Sorted, with overlapping and adjacent ranges merged.
std::vector<Range> merge_ranges(std::vector<Range> rs);
// "[0x10000+0x1000, ...]" for messages.
std::string show_ranges(const std::vector<Range>& rs);
// The merged IOVA ranges of the bits set in `bytes` bytes at user VA `va`, bit k
// standing for [iova + k*granule, +granule).
std::vector<Range> bitmap_ranges(const VmmMemory& vmm, const SparseMemory& mem, uint64_t va,
                                 uint64_t bytes, uint64_t iova, uint64_t granule);
// "" when `have` is the set `want` lists, else the message saying both.
std::string dirty_mismatch(const std::vector<Range>& want, const std::vector<Range>& have);

}  // namespace sim
