// Linux's policy: iotlb_gather keeps one span per call, and VT-d turns it into one
// aligned page-selective invalidation (a domain one above max_order), then one sync.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"

namespace sim {

namespace {

// FlushPolicy's own groups(): the gathered span.
class GatherPolicy : public FlushPolicy {};

// The same after every iova_bitmap window, so a window's pages are flushed before the
// next window is walked.
class WindowPolicy : public GatherPolicy {
 public:
  bool per_window() const override { return true; }
};

}  // namespace

extern const FlushPolicyInfo gather_flush{"gather", make_policy<GatherPolicy>};
extern const FlushPolicyInfo window_flush{"window", make_policy<WindowPolicy>};

}  // namespace sim
