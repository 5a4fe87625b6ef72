#include "host-sw/iommufd/iopt_pages.h"

#include <algorithm>
#include <stdexcept>

namespace sim {

void IoptPages::hold(uint64_t first, uint64_t last) {
  for (const IndexRange& r : holders_.add(first, last)) npinned_ += r.size();
}

uint64_t IoptPages::release(uint64_t first, uint64_t last) {
  uint64_t n = 0;
  for (const IndexRange& r : holders_.remove(first, last)) n += r.size();
  npinned_ -= n;
  return n;
}

void IoptPages::access_remove(uint64_t first, uint64_t last) {
  for (const IndexRange& r : access_.remove(first, last)) {
    // Cut the stored segments at r's ends, then drop those inside.
    for (uint64_t at : {r.first, r.last + 1}) {
      auto it = pfns_.upper_bound(at);
      if (it == pfns_.begin()) continue;
      --it;
      if (it->first < at && it->second.last >= at) {
        PfnSeg tail{it->second.last, it->second.pfn + (at - it->first)};
        it->second.last = at - 1;
        pfns_[at] = tail;
      }
    }
    pfns_.erase(pfns_.lower_bound(r.first), pfns_.upper_bound(r.last));
  }
}

void IoptPages::store_pfns(uint64_t first, const PfnBatch& batch) {
  uint64_t at = first;
  for (const PfnRun& run : batch.runs()) {
    pfns_[at] = {at + run.npfns - 1, run.pfn};
    at += run.npfns;
  }
}

std::pair<uint64_t, uint64_t> IoptPages::access_pfn(uint64_t index) const {
  auto it = pfns_.upper_bound(index);
  if (it == pfns_.begin() || std::prev(it)->second.last < index)
    throw std::logic_error("iopt_pages: index not in the pinned_pfns tier");
  --it;
  return {it->second.pfn + (index - it->first), it->second.last - index + 1};
}

uint64_t IoptPages::access_indexes() const {
  uint64_t n = 0;
  for (const auto& [first, seg] : pfns_) n += seg.last - first + 1;
  return n;
}

const DomainCover* IoptPages::domain_cover_at(uint64_t index) const {
  for (const auto& [key, c] : domain_covers_)
    if (c.pages.first <= index && index <= c.pages.last) return &c;
  return nullptr;
}

PfnTier IoptPages::tier(uint64_t index, uint64_t limit, uint64_t& span_last) const {
  // A span ends where the access tier starts or stops, or where domain cover changes.
  auto end_of = [&](bool in_access) {
    for (const IndexRange& r : access_.ranges(index, limit, in_access)) return r.first - 1;
    return limit;
  };
  if (in_access_tier(index)) {
    span_last = end_of(true);
    return PfnTier::Access;
  }
  span_last = end_of(false);
  if (const DomainCover* c = domain_cover_at(index)) {
    span_last = std::min(span_last, c->pages.last);
    return PfnTier::Domain;
  }
  // A hole: up to the next index some domain cover holds.
  for (const auto& [key, c] : domain_covers_)
    if (c.pages.first > index && c.pages.first <= span_last) span_last = c.pages.first - 1;
  return PfnTier::User;
}

}  // namespace sim
