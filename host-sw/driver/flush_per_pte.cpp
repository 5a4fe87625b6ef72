// One page-selective descriptor per cleared leaf (adjacent leaves as aligned blocks),
// `batch` descriptors per wait: exact, and the most descriptors.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"
#include "models/config/config.h"

namespace sim {

FlushGroups per_pte_groups(uint16_t did, const Gather& g, const InvCaps& caps) {
  const unsigned max_order = caps.encoding == InvEncoding::PageOnly ? 0 : caps.max_order;
  std::vector<InvDescriptor> all;
  for (const Range& r : g.records)
    for (uint64_t at = r.start; at < r.end();) {
      if (caps.encoding == InvEncoding::ArbitraryRange) {  // the run exactly
        std::vector<InvDescriptor> c = covering(did, r.start, r.end() - 1, caps);
        all.insert(all.end(), c.begin(), c.end());
        break;
      }
      // The largest aligned power-of-two block starting here that stays inside.
      unsigned k = 0;
      while (k < max_order && (at >> 12) % (2ull << k) == 0 && at + (8192ull << k) <= r.end()) ++k;
      all.push_back(InvDescriptor::iotlb_page(did, at, uint8_t(k), false));
      at += 4096ull << k;
    }
  if (all.empty()) return {};
  return {all};
}

namespace {

class PerPtePolicy : public FlushPolicy {
 public:
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    return per_pte_groups(did, g, caps);
  }
  unsigned batch() const override { return config().batch; }
};

// Negative control: per_pte with an off-by-one range end, so the last page of every
// run of cleared leaves is never invalidated.
class PerPteOffByOnePolicy : public PerPtePolicy {
 public:
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    Gather shorter;
    for (const Range& r : g.records)
      if (r.length > 4096) shorter.add(r.start, r.length - 4096);
    return per_pte_groups(did, shorter, caps);
  }
};

// Descriptors per wait (0: the hardware's batch).
void read_per_pte_keys(ConfigReader& r, FlushConfig& c) {
  c.batch = unsigned(r.integer("batch", 0, 0, 254));
}

}  // namespace

extern const FlushPolicyInfo per_pte_flush{"per_pte", make_policy<PerPtePolicy>, read_per_pte_keys};
extern const FlushPolicyInfo per_pte_off_by_one_flush{"per_pte_off_by_one",
                                                      make_policy<PerPteOffByOnePolicy>};

}  // namespace sim
