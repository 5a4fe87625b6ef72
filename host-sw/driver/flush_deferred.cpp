// After Linux's DMA flush queue: a harvest queues what it cleared and returns without
// a sync; the queue is flushed (its gathered span, one sync) when it holds `batch`
// leaves or `timeout` after its first. Until a page's flush completed, writes may hit
// a stale dirty-known entry, so `sticky` re-reports it in later harvests; without
// sticky (a negative control) those writes are lost.
#include "host-sw/driver/flush_policies.h"
#include "host-sw/driver/flush_registry.h"
#include "models/config/config.h"

namespace sim {

namespace {

class DeferredPolicy : public FlushPolicy {
 public:
  bool deferred() const override { return true; }
  unsigned batch() const override { return config().batch ? config().batch : 256; }
};

void read_deferred_keys(ConfigReader& r, FlushConfig& c) {
  c.batch = unsigned(r.integer("batch", 256, 1, 1 << 30));
  c.timeout = r.time_ps("timeout", c.timeout);
  c.sticky = r.boolean("sticky", true);
}

}  // namespace

extern const FlushPolicyInfo deferred_flush{"deferred", make_policy<DeferredPolicy>,
                                            read_deferred_keys};

}  // namespace sim
