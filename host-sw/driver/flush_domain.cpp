// One domain invalidation per harvest that cleared anything: the fewest descriptors,
// and every translation of the domain is walked again afterwards.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"

namespace sim {

namespace {

class DomainPolicy : public FlushPolicy {
 public:
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps&) const override {
    if (g.empty()) return {};
    return {{InvDescriptor::iotlb_domain(did)}};
  }
};

}  // namespace

extern const FlushPolicyInfo domain_flush{"domain", make_policy<DomainPolicy>};

}  // namespace sim
