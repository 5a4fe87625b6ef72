// At most K covering ranges (runs merged across gaps up to merge_gap), one sync; a
// domain invalidation when more than K remain: a descriptor budget per harvest.
#include "host-sw/driver/flush_policies.h"

namespace sim {

namespace {

class RangesPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "ranges"; }
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    if (g.empty()) return {};
    std::vector<Range> rs;
    for (const Range& r : g.records) {
      if (!rs.empty() && r.start - rs.back().end() <= config().merge_gap)
        rs.back().length = r.end() - rs.back().start;
      else
        rs.push_back(r);
    }
    if (rs.size() > config().max_ranges) return {{InvDescriptor::iotlb_domain(did)}};
    std::vector<InvDescriptor> d;
    for (const Range& r : rs) {
      std::vector<InvDescriptor> c = covering(did, r.start, r.end() - 1, caps);
      d.insert(d.end(), c.begin(), c.end());
    }
    return {d};
  }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_ranges_policy() {
  return std::make_unique<RangesPolicy>();
}

}  // namespace sim
