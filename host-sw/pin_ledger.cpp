#include "host-sw/pin_ledger.h"

#include <iterator>

namespace sim {

void PinLedger::split(std::map<uint64_t, unsigned>& segs, uint64_t at) {
  auto it = segs.upper_bound(at);
  const unsigned count = it == segs.begin() ? 0 : std::prev(it)->second;
  segs.emplace(at, count);  // no-op when a segment starts there already
}

uint64_t PinLedger::uncovered(const std::map<uint64_t, unsigned>& segs, uint64_t first,
                              uint64_t last) const {
  uint64_t n = 0, cur = first;
  auto it = segs.upper_bound(first);
  unsigned count = it == segs.begin() ? 0 : std::prev(it)->second;
  for (;;) {
    const uint64_t seg_end = it == segs.end() || it->first > last ? last + 1 : it->first;
    if (count == 0) n += seg_end - cur;
    if (seg_end == last + 1) break;
    cur = seg_end;
    count = it->second;
    ++it;
  }
  return n;
}

Errno PinLedger::cover(uint64_t id, uint64_t first, uint64_t last) {
  auto& segs = covers_[id];
  const uint64_t fresh = uncovered(segs, first, last);
  const bool charge = mode(id) != AccountMode::None;
  if (charge && limit_ && (charged_ + fresh) * 4096 > limit_) {
    if (segs.empty()) covers_.erase(id);
    return Errno::Enomem;  // the kernel rolls the whole fill back
  }
  split(segs, first);
  split(segs, last + 1);
  for (auto it = segs.find(first); it->first <= last; ++it) ++it->second;
  pinned_ += fresh;
  if (charge) charged_ += fresh;
  return Errno::Ok;
}

void PinLedger::uncover(uint64_t id, uint64_t first, uint64_t last) {
  auto& segs = covers_[id];
  split(segs, first);
  split(segs, last + 1);
  for (auto it = segs.find(first); it->first <= last; ++it) {
    const uint64_t next = std::next(it)->first;
    if (--it->second == 0) {
      pinned_ -= next - it->first;
      if (mode(id) != AccountMode::None) charged_ -= next - it->first;
    }
  }
  // Merge equal neighbours so the map stays as small as the cover structure.
  for (auto it = segs.begin(); it != segs.end();) {
    auto nx = std::next(it);
    if (nx != segs.end() && nx->second == it->second) {
      segs.erase(nx);
    } else if (it == segs.begin() && it->second == 0) {
      it = segs.erase(it);
    } else {
      it = nx;
    }
  }
  if (segs.size() == 1 && segs.begin()->second == 0) segs.clear();
  if (segs.empty()) covers_.erase(id);
}

}  // namespace sim
