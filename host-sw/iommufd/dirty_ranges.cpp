#include "host-sw/iommufd/dirty_ranges.h"

#include <algorithm>

namespace sim {

std::vector<Range> merge_ranges(std::vector<Range> rs) {
  std::sort(rs.begin(), rs.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  std::vector<Range> out;
  for (const Range& r : rs) {
    if (!out.empty() && out.back().end() >= r.start) {
      out.back().length = std::max(out.back().end(), r.end()) - out.back().start;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::string show_ranges(const std::vector<Range>& rs) {
  std::string s = "[";
  for (const Range& r : rs) s += (s.size() > 1 ? ", " : "") + hex(r.start) + "+" + hex(r.length);
  return s + "]";
}

std::vector<Range> bitmap_ranges(const VmmMemory& vmm, const SparseMemory& mem, uint64_t va,
                                 uint64_t bytes, uint64_t iova, uint64_t granule) {
  std::vector<Range> got;
  for (uint64_t i = 0; i < bytes; ++i) {
    uint8_t v = 0;
    mem.read(*vmm.pa(va + i), &v, 1);
    for (unsigned b = 0; b < 8; ++b)
      if (v >> b & 1) got.push_back({iova + (i * 8 + b) * granule, granule});
  }
  return merge_ranges(got);
}

std::string dirty_mismatch(const std::vector<Range>& want, const std::vector<Range>& have) {
  const std::vector<Range> w = merge_ranges(want);
  bool same = w.size() == have.size();
  for (size_t i = 0; same && i < w.size(); ++i)
    same = w[i].start == have[i].start && w[i].length == have[i].length;
  return same ? "" : "expected dirty " + show_ranges(w) + ", got " + show_ranges(have);
}

}  // namespace sim
