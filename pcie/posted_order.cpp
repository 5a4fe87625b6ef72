#include "pcie/posted_order.h"

#include <algorithm>

namespace sim {

const NamedValues<PcieOrdering>& pcie_ordering_names() {
  static const NamedValues<PcieOrdering> names{{"relaxed", PcieOrdering::Relaxed},
                                               {"strict", PcieOrdering::Strict}};
  return names;
}

Ps PostedOrder::commit_write(Ps ready) {
  ++writes_;
  const Ps at = std::max(ready, committed_);
  if (at > ready) {
    ++writes_held_;
    write_hold_ps_ += at - ready;
    max_hold_ps_ = std::max(max_hold_ps_, at - ready);
  }
  committed_ = at;
  return at;
}

void PostedOrder::read(Ps ready, Ps at) {
  if (at <= ready) return;
  ++reads_held_;
  read_hold_ps_ += at - ready;
  max_hold_ps_ = std::max(max_hold_ps_, at - ready);
}

}  // namespace sim
