// Negative control: clears D and never tells the IOTLB, so a device writing through a
// cached dirty-known entry never sets D again and those pages are lost.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"

namespace sim {

namespace {

class NoFlushPolicy : public FlushPolicy {
 public:
  FlushGroups groups(uint16_t, const Gather&, const InvCaps&) const override { return {}; }
};

}  // namespace

extern const FlushPolicyInfo none_flush{"none", make_policy<NoFlushPolicy>};

}  // namespace sim
