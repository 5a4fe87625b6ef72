#include "host-sw/flush_policy.h"

#include <algorithm>

namespace sim {

InvDescriptor covering_invalidation(uint16_t did, uint64_t start, uint64_t end,
                                    unsigned max_order) {
  uint64_t first = start >> 12, last = end >> 12;
  unsigned k = 0;
  while (k < 52 && (first >> k) != (last >> k)) ++k;
  if (k > max_order) return InvDescriptor::iotlb_domain(did);
  return InvDescriptor::iotlb_page(did, (first >> k) << k << 12, uint8_t(k), false);
}

std::unique_ptr<FlushPolicy> make_named(const FlushConfig& c);

namespace {

using Groups = std::vector<std::vector<InvDescriptor>>;

// Linux: one span per call, one page-selective (or domain) invalidation, one sync.
class GatherPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "gather"; }
  Groups groups(uint16_t did, const Gather& g, unsigned max_order) const override {
    if (g.empty()) return {};
    return {{covering_invalidation(did, g.start, g.end, max_order)}};
  }
};

// The same, after every window of the bitmap walk.
class WindowPolicy : public GatherPolicy {
 public:
  std::string_view name() const override { return "window"; }
  bool per_window() const override { return true; }
};

// One page-selective descriptor per cleared leaf (aligned blocks), batched.
class PerPtePolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "per_pte"; }
  Groups groups(uint16_t did, const Gather& g, unsigned max_order) const override {
    std::vector<InvDescriptor> all;
    for (const Range& r : g.records)
      for (uint64_t at = r.start; at < r.end();) {
        // The largest aligned power-of-two block starting here that stays inside.
        unsigned k = 0;
        while (k < max_order && (at >> 12) % (2ull << k) == 0 && at + (8192ull << k) <= r.end())
          ++k;
        all.push_back(InvDescriptor::iotlb_page(did, at, uint8_t(k), false));
        at += 4096ull << k;
      }
    if (all.empty()) return {};
    return {all};
  }
};

// A covering invalidation per run of adjacent cleared leaves, with a sync at each gap.
class RunsPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "runs"; }
  Groups groups(uint16_t did, const Gather& g, unsigned max_order) const override {
    Groups out;
    for (const Range& r : g.records)
      out.push_back({covering_invalidation(did, r.start, r.end() - 1, max_order)});
    return out;
  }
};

// At most K covering ranges (runs merged across the smallest gaps), one sync; a domain
// invalidation when they would be more than K after merging gaps up to merge_gap.
class RangesPolicy : public FlushPolicy {
 public:
  explicit RangesPolicy(const FlushConfig& c) : c_(c) {}
  std::string_view name() const override { return "ranges"; }
  Groups groups(uint16_t did, const Gather& g, unsigned max_order) const override {
    if (g.empty()) return {};
    std::vector<Range> rs;
    for (const Range& r : g.records) {
      if (!rs.empty() && r.start - rs.back().end() <= c_.merge_gap)
        rs.back().length = r.end() - rs.back().start;
      else
        rs.push_back(r);
    }
    if (rs.size() > c_.max_ranges) return {{InvDescriptor::iotlb_domain(did)}};
    std::vector<InvDescriptor> d;
    for (const Range& r : rs)
      d.push_back(covering_invalidation(did, r.start, r.end() - 1, max_order));
    return {d};
  }

 private:
  FlushConfig c_;
};

class DomainPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "domain"; }
  Groups groups(uint16_t did, const Gather& g, unsigned) const override {
    if (g.empty()) return {};
    return {{InvDescriptor::iotlb_domain(did)}};
  }
};

// Negative control: clears D and never tells the IOTLB.
class NoFlushPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "none"; }
  Groups groups(uint16_t, const Gather&, unsigned) const override { return {}; }
};

// Negative control: per_pte with an off-by-one range end, so the last page of every
// run of cleared leaves is never invalidated.
class PerPteOffByOnePolicy : public PerPtePolicy {
 public:
  std::string_view name() const override { return "per_pte_off_by_one"; }
  Groups groups(uint16_t did, const Gather& g, unsigned max_order) const override {
    Gather shorter;
    for (const Range& r : g.records)
      if (r.length > 4096) shorter.add(r.start, r.length - 4096);
    return PerPtePolicy::groups(did, shorter, max_order);
  }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_flush_policy(const FlushConfig& c) {
  std::unique_ptr<FlushPolicy> p = make_named(c);
  if (p) p->set_waits(c.wait);
  return p;
}

std::unique_ptr<FlushPolicy> make_named(const FlushConfig& c) {
  if (c.name == "per_pte_off_by_one") return std::make_unique<PerPteOffByOnePolicy>();
  if (c.name == "gather") return std::make_unique<GatherPolicy>();
  if (c.name == "window") return std::make_unique<WindowPolicy>();
  if (c.name == "per_pte") return std::make_unique<PerPtePolicy>();
  if (c.name == "runs") return std::make_unique<RunsPolicy>();
  if (c.name == "ranges") return std::make_unique<RangesPolicy>(c);
  if (c.name == "domain") return std::make_unique<DomainPolicy>();
  if (c.name == "none") return std::make_unique<NoFlushPolicy>();
  return nullptr;
}

}  // namespace sim
