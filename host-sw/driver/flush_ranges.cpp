// At most K covering ranges (runs merged across gaps up to merge_gap), one sync; a
// domain invalidation when more than K remain: a descriptor budget per harvest.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"
#include "models/config/config.h"

namespace sim {

namespace {

class RangesPolicy : public FlushPolicy {
 public:
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

void read_ranges_keys(ConfigReader& r, FlushConfig& c) {
  c.max_ranges = unsigned(r.integer("max_ranges", c.max_ranges, 1, 1 << 20));
  c.merge_gap = r.size("merge_gap", c.merge_gap);
}

}  // namespace

extern const FlushPolicyInfo ranges_flush{"ranges", make_policy<RangesPolicy>, read_ranges_keys};

}  // namespace sim
