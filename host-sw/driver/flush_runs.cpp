// A covering invalidation per run of adjacent cleared leaves, with a sync at each gap:
// few descriptors for clustered dirty sets, many waits for scattered ones.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"

namespace sim {

namespace {

class RunsPolicy : public FlushPolicy {
 public:
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    FlushGroups out;
    for (const Range& r : g.records) out.push_back(covering(did, r.start, r.end() - 1, caps));
    return out;
  }
};

}  // namespace

extern const FlushPolicyInfo runs_flush{"runs", make_policy<RunsPolicy>};

}  // namespace sim
