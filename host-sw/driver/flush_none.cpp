// Negative control: clears D and never tells the IOTLB, so a device writing through a
// cached dirty-known entry never sets D again and those pages are lost.
#include "host-sw/driver/flush_policies.h"

namespace sim {

namespace {

class NoFlushPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "none"; }
  FlushGroups groups(uint16_t, const Gather&, const InvCaps&) const override { return {}; }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_none_policy() {
  return std::make_unique<NoFlushPolicy>();
}

}  // namespace sim
