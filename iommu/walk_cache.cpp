#include "iommu/walk_cache.h"

namespace sim {

WalkCache::WalkCache(unsigned entries, unsigned ways, unsigned levels)
    : entries_(entries), ways_(ways ? ways : 1), levels_(levels), by_level_(levels + 1) {
  if (entries_)
    for (unsigned l = 2; l <= levels_; ++l) by_level_[l].resize(entries_);
}

WalkCache::Entry* WalkCache::set(unsigned level, uint16_t did, uint64_t tag, uint32_t pasid) {
  const unsigned sets = entries_ / ways_;
  const uint64_t h = tag ^ (uint64_t(did) * 0x9e3779b1u) ^ (uint64_t(pasid) * 0x85ebca6bu);
  return &by_level_[level][(h % sets) * ways_];
}

WalkCache::Hit WalkCache::lookup(uint16_t did, uint64_t iova, uint32_t pasid) {
  if (!entries_) return {};
  for (unsigned l = 2; l <= levels_; ++l) {  // deepest first
    const uint64_t tag = iova >> shift(l);
    Entry* s = set(l, did, tag, pasid);
    for (unsigned w = 0; w < ways_; ++w)
      if (s[w].valid && s[w].did == did && s[w].pasid == pasid && s[w].tag == tag) {
        s[w].stamp = ++clock_;
        return {l - 1, s[w].table};
      }
  }
  return {};
}

void WalkCache::fill(uint16_t did, uint64_t iova, unsigned level, uint64_t next_table,
                     uint32_t pasid) {
  if (!entries_ || level < 2 || level > levels_) return;
  const uint64_t tag = iova >> shift(level);
  Entry* s = set(level, did, tag, pasid);
  Entry* victim = &s[0];
  for (unsigned w = 0; w < ways_; ++w) {
    if (s[w].valid && s[w].did == did && s[w].pasid == pasid && s[w].tag == tag) {
      victim = &s[w];
      break;
    }
    if (!s[w].valid) {
      if (victim->valid) victim = &s[w];
    } else if (victim->valid && s[w].stamp < victim->stamp) {
      victim = &s[w];
    }
  }
  *victim = Entry{true, did, pasid, tag, next_table, ++clock_};
}

unsigned WalkCache::invalidate_domain(uint16_t did) {
  unsigned n = 0;
  for (auto& level : by_level_)
    for (Entry& e : level)
      if (e.valid && e.did == did) {
        e.valid = false;
        ++n;
      }
  return n;
}

unsigned WalkCache::invalidate_range(uint16_t did, uint64_t addr, uint64_t length) {
  unsigned n = 0;
  const uint64_t last = addr + (length - 1);
  for (unsigned l = 2; l <= levels_; ++l)
    for (Entry& e : by_level_[l]) {
      if (!e.valid || e.did != did) continue;
      const uint64_t first = e.tag << shift(l), e_last = first + ((1ull << shift(l)) - 1);
      if (first <= last && addr <= e_last) {
        e.valid = false;
        ++n;
      }
    }
  return n;
}

unsigned WalkCache::invalidate_pasid(uint16_t did, uint32_t pasid, bool all_pasids, uint64_t addr,
                                     uint64_t length) {
  unsigned n = 0;
  const uint64_t last = addr + (length - 1);
  for (unsigned l = 2; l <= levels_; ++l)
    for (Entry& e : by_level_[l]) {
      if (!e.valid || e.did != did || (!all_pasids && e.pasid != pasid)) continue;
      const uint64_t first = e.tag << shift(l), e_last = first + ((1ull << shift(l)) - 1);
      if (first <= last && addr <= e_last) {
        e.valid = false;
        ++n;
      }
    }
  return n;
}

unsigned WalkCache::invalidate_all() {
  unsigned n = 0;
  for (auto& level : by_level_)
    for (Entry& e : level) {
      n += e.valid;
      e.valid = false;
    }
  return n;
}

}  // namespace sim
