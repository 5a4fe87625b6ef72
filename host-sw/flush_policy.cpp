#include "host-sw/flush_policy.h"

namespace sim {

InvDescriptor covering_invalidation(uint16_t did, uint64_t start, uint64_t end,
                                    unsigned max_order) {
  uint64_t first = start >> 12, last = end >> 12;
  unsigned k = 0;
  while (k < 52 && (first >> k) != (last >> k)) ++k;
  if (k > max_order) return InvDescriptor::iotlb_domain(did);
  return InvDescriptor::iotlb_page(did, (first >> k) << k << 12, uint8_t(k), false);
}

namespace {

// Linux: one span per call, one page-selective (or domain) invalidation, one sync.
class GatherPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "gather"; }
  std::vector<InvDescriptor> descriptors(uint16_t did, const Gather& g,
                                         unsigned max_order) const override {
    if (g.empty()) return {};
    return {covering_invalidation(did, g.start, g.end, max_order)};
  }
};

// Negative control: clears D and never tells the IOTLB.
class NoFlushPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "none"; }
  std::vector<InvDescriptor> descriptors(uint16_t, const Gather&, unsigned) const override {
    return {};
  }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_flush_policy(std::string_view name) {
  if (name == "gather") return std::make_unique<GatherPolicy>();
  if (name == "none") return std::make_unique<NoFlushPolicy>();
  return nullptr;
}

}  // namespace sim
