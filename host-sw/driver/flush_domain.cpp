// One domain invalidation per harvest that cleared anything: the fewest descriptors,
// and every translation of the domain is walked again afterwards.
#include "host-sw/driver/flush_policies.h"

namespace sim {

namespace {

class DomainPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "domain"; }
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps&) const override {
    if (g.empty()) return {};
    return {{InvDescriptor::iotlb_domain(did)}};
  }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_domain_policy() {
  return std::make_unique<DomainPolicy>();
}

}  // namespace sim
