#pragma once
// IOVA intervals and the kernel's automatic IOVA allocation (iopt_alloc_iova), with
// its exact alignment and first-fit arithmetic.
#include <cstdint>
#include <vector>

#include "host-sw/kernel/errno.h"

namespace sim {

constexpr uint64_t kCpuPage = 4096;         // PAGE_SIZE
constexpr uint64_t kHugePage = 2ull << 20;  // HPAGE_SIZE with THP: caps the alignment

struct IovaRange {  // inclusive, so [0, U64_MAX] is representable
  uint64_t start = 0, last = 0;
  bool operator==(const IovaRange&) const = default;
};

uint64_t lowbit(uint64_t v);              // 1 << __ffs(v); 0 for 0
uint64_t roundup_pow_of_two(uint64_t v);  // v >= 1, v < 2^63

// The alignment iopt_alloc_iova uses for `length` bytes whose first byte is at user
// address `addr`: keep the alignment present in addr, capped at the huge page.
uint64_t alloc_alignment(uint64_t addr, uint64_t length);

// The kernel's placement test for a free interval [start, last]: the candidate is
// ALIGN_UP(start, align) | page_offset; false on overflow or when it does not fit.
bool place_in(uint64_t start, uint64_t last, uint64_t length, uint64_t align, uint64_t page_offset,
              uint64_t& out);

// The holes of `used` (intervals in any order, may overlap) inside [lo, hi].
std::vector<IovaRange> holes(std::vector<IovaRange> used, uint64_t lo, uint64_t hi);
bool intersects(const std::vector<IovaRange>& rs, uint64_t start, uint64_t last);

// iopt_alloc_iova: first fit over each allowed span (or [PS, U64_MAX - PS] when there
// is none), then over the holes of `used` (reserved ranges and areas) inside it.
// EOVERFLOW for a length of 0 or >= U64_MAX/2, EINVAL when the alignment is below the
// IOAS's, ENOSPC when nothing fits.
Errno alloc_iova(const std::vector<IovaRange>& allowed, const std::vector<IovaRange>& used,
                 uint64_t addr, uint64_t length, uint64_t iopt_alignment, uint64_t& iova);

}  // namespace sim
