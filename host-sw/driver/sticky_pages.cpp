#include "host-sw/driver/sticky_pages.h"

#include <algorithm>

namespace sim {

void StickyPages::split(uint64_t at) {
  auto it = m_.upper_bound(at);
  if (it == m_.begin()) return;
  --it;
  if (it->first < at && at < it->second.end) {
    m_[at] = Part{it->second.end, it->second.gen};
    it->second.end = at;
  }
}

void StickyPages::add(uint64_t start, uint64_t length, uint64_t gen) {
  const uint64_t end = start + length;
  split(start);
  split(end);
  m_.erase(m_.lower_bound(start), m_.lower_bound(end));
  m_[start] = Part{end, gen};
}

void StickyPages::for_each(uint64_t start, uint64_t end,
                           const std::function<void(uint64_t, uint64_t)>& fn) const {
  auto it = m_.upper_bound(start);
  if (it != m_.begin() && std::prev(it)->second.end > start) --it;
  for (; it != m_.end() && it->first < end; ++it) {
    const uint64_t s = std::max(start, it->first), e = std::min(end, it->second.end);
    if (s < e) fn(s, e - s);
  }
}

void StickyPages::drop_covered(uint64_t start, uint64_t end, uint64_t covered) {
  split(start);
  split(end);
  for (auto it = m_.lower_bound(start); it != m_.end() && it->first < end;)
    it = it->second.gen < covered ? m_.erase(it) : std::next(it);
}

uint64_t StickyPages::bytes() const {
  uint64_t n = 0;
  for (const auto& [start, p] : m_) n += p.end - start;
  return n;
}

}  // namespace sim
