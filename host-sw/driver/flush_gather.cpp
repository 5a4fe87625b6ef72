// Linux's policy: iotlb_gather keeps one span per call, and VT-d turns it into one
// aligned page-selective invalidation (a domain one above max_order), then one sync.
#include "host-sw/driver/flush_policies.h"

namespace sim {

namespace {

class GatherPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "gather"; }
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    if (g.empty()) return {};
    return {covering(did, g.start, g.end, caps)};
  }
};

// The same after every iova_bitmap window, so a window's pages are flushed before the
// next window is walked.
class WindowPolicy : public GatherPolicy {
 public:
  std::string_view name() const override { return "window"; }
  bool per_window() const override { return true; }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_gather_policy() {
  return std::make_unique<GatherPolicy>();
}
std::unique_ptr<FlushPolicy> make_window_policy() {
  return std::make_unique<WindowPolicy>();
}

}  // namespace sim
