// After Linux's DMA flush queue: a harvest queues what it cleared and returns without
// a sync; the queue is flushed (its gathered span, one sync) when it holds `batch`
// leaves or `timeout` after its first. Until a page's flush completed, writes may hit
// a stale dirty-known entry, so `sticky` re-reports it in later harvests; without
// sticky (a negative control) those writes are lost.
#include "host-sw/driver/flush_policies.h"

namespace sim {

namespace {

class DeferredPolicy : public FlushPolicy {
 public:
  std::string_view name() const override { return "deferred"; }
  FlushGroups groups(uint16_t did, const Gather& g, const InvCaps& caps) const override {
    if (g.empty()) return {};
    return {covering(did, g.start, g.end, caps)};
  }
  bool deferred() const override { return true; }
  unsigned batch() const override { return config().batch ? config().batch : 256; }
};

}  // namespace

std::unique_ptr<FlushPolicy> make_deferred_policy() {
  return std::make_unique<DeferredPolicy>();
}

}  // namespace sim
