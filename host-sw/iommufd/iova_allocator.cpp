#include "host-sw/iommufd/iova_allocator.h"

#include <algorithm>

namespace sim {

uint64_t lowbit(uint64_t v) {
  return v & -v;
}

uint64_t roundup_pow_of_two(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

uint64_t alloc_alignment(uint64_t addr, uint64_t length) {
  uint64_t align = roundup_pow_of_two(length);
  if (addr) align = std::min(align, lowbit(addr));
  return std::min(align, kHugePage);  // also protects ALIGN_UP from overflow
}

bool place_in(uint64_t start, uint64_t last, uint64_t length, uint64_t align, uint64_t page_offset,
              uint64_t& out) {
  if (start > UINT64_MAX - (align - 1)) return false;
  // Kernel arithmetic: OR-ing in the page offset (not adding) is what it does.
  const uint64_t a = ((start + (align - 1)) & ~(align - 1)) | page_offset;
  if (a >= last || last - a < length - 1) return false;  // note: a == last is refused too
  out = a;
  return true;
}

std::vector<IovaRange> holes(std::vector<IovaRange> used, uint64_t lo, uint64_t hi) {
  std::sort(used.begin(), used.end(),
            [](const IovaRange& a, const IovaRange& b) { return a.start < b.start; });
  std::vector<IovaRange> out;
  uint64_t cur = lo;  // first byte not yet known used
  bool done = false;  // cur passed hi (or wrapped)
  for (const IovaRange& u : used) {
    if (done || u.last < cur) continue;
    if (u.start > hi) break;
    if (u.start > cur) out.push_back({cur, u.start - 1});
    if (u.last >= hi) {
      done = true;
    } else {
      cur = u.last + 1;
    }
  }
  if (!done) out.push_back({cur, hi});
  return out;
}

bool intersects(const std::vector<IovaRange>& rs, uint64_t start, uint64_t last) {
  for (const IovaRange& r : rs)
    if (r.start <= last && start <= r.last) return true;
  return false;
}

Errno alloc_iova(const std::vector<IovaRange>& allowed, const std::vector<IovaRange>& used,
                 uint64_t addr, uint64_t length, uint64_t iopt_alignment, uint64_t& iova) {
  const uint64_t page_offset = addr % kCpuPage;
  if (length == 0 || length >= UINT64_MAX / 2) return Errno::Eoverflow;
  const uint64_t align = alloc_alignment(addr, length);
  if (align < iopt_alignment) return Errno::Einval;
  // Allowed spans: adjacent allowed ranges merge into one span (interval_tree span
  // iterator), clipped to [PS, U64_MAX - PS] so IOVA 0 is never returned.
  const uint64_t lo = kCpuPage, hi = UINT64_MAX - kCpuPage;
  std::vector<IovaRange> spans;
  if (allowed.empty()) {
    spans.push_back({lo, hi});
  } else {
    std::vector<IovaRange> a = allowed;
    std::sort(a.begin(), a.end(),
              [](const IovaRange& x, const IovaRange& y) { return x.start < y.start; });
    for (const IovaRange& r : a) {
      const uint64_t s = std::max(r.start, lo), l = std::min(r.last, hi);
      if (s > l) continue;
      if (!spans.empty() && spans.back().last + 1 == s)
        spans.back().last = l;
      else
        spans.push_back({s, l});
    }
  }
  for (const IovaRange& sp : spans) {
    uint64_t start;
    if (sp.last - sp.start < length - 1) continue;
    if (!place_in(sp.start, sp.last, length, align, page_offset, start)) continue;
    // The holes walk starts from the aligned span start, as the kernel's does.
    for (const IovaRange& h : holes(used, start, sp.last)) {
      if (place_in(h.start, h.last, length, align, page_offset, iova)) return Errno::Ok;
    }
  }
  return Errno::Enospc;
}

}  // namespace sim
