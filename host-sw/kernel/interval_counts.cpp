#include "host-sw/kernel/interval_counts.h"

#include <iterator>
#include <stdexcept>

namespace sim {

void IntervalCounts::split(uint64_t at) {
  auto it = segs_.upper_bound(at);
  const unsigned c = it == segs_.begin() ? 0 : std::prev(it)->second;
  segs_.emplace(at, c);  // no-op when a segment starts there already
}

void IntervalCounts::merge() {
  // Equal neighbours merge and leading zeros go, so the map stays as small as the covers.
  for (auto it = segs_.begin(); it != segs_.end();) {
    auto nx = std::next(it);
    if (it == segs_.begin() && it->second == 0) {
      it = segs_.erase(it);
    } else if (nx != segs_.end() && nx->second == it->second) {
      segs_.erase(nx);
    } else {
      it = nx;
    }
  }
}

unsigned IntervalCounts::count(uint64_t index) const {
  auto it = segs_.upper_bound(index);
  return it == segs_.begin() ? 0 : std::prev(it)->second;
}

std::vector<IndexRange> IntervalCounts::ranges(uint64_t first, uint64_t last, bool zero) const {
  std::vector<IndexRange> out;
  uint64_t cur = first;
  auto it = segs_.upper_bound(first);
  unsigned c = it == segs_.begin() ? 0 : std::prev(it)->second;
  for (;;) {
    const bool end = it == segs_.end() || it->first > last;
    const uint64_t seg_last = end ? last : it->first - 1;
    if ((c == 0) == zero) {
      if (!out.empty() && out.back().last + 1 == cur)
        out.back().last = seg_last;
      else
        out.push_back({cur, seg_last});
    }
    if (end) break;
    cur = it->first;
    c = it->second;
    ++it;
  }
  return out;
}

uint64_t IntervalCounts::covered(uint64_t first, uint64_t last) const {
  uint64_t n = 0;
  for (const IndexRange& r : ranges(first, last, false)) n += r.size();
  return n;
}

std::vector<IndexRange> IntervalCounts::add(uint64_t first, uint64_t last) {
  std::vector<IndexRange> fresh = ranges(first, last, true);
  split(first);
  if (last != UINT64_MAX) split(last + 1);
  for (auto it = segs_.find(first); it != segs_.end() && it->first <= last; ++it) ++it->second;
  merge();
  return fresh;
}

std::vector<IndexRange> IntervalCounts::remove(uint64_t first, uint64_t last) {
  if (!ranges(first, last, true).empty()) throw std::logic_error("interval counts: remove below 0");
  split(first);
  if (last != UINT64_MAX) split(last + 1);
  for (auto it = segs_.find(first); it != segs_.end() && it->first <= last; ++it) --it->second;
  std::vector<IndexRange> gone = ranges(first, last, true);
  merge();
  return gone;
}

}  // namespace sim
