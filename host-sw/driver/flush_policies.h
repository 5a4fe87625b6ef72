#pragma once
// The flush policies, one file each; make_flush_policy() picks one by name.
#include <memory>

#include "host-sw/driver/flush_policy.h"

namespace sim {

using FlushGroups = std::vector<std::vector<InvDescriptor>>;

std::unique_ptr<FlushPolicy> make_gather_policy();
std::unique_ptr<FlushPolicy> make_window_policy();
std::unique_ptr<FlushPolicy> make_per_pte_policy();
std::unique_ptr<FlushPolicy> make_per_pte_off_by_one_policy();
std::unique_ptr<FlushPolicy> make_runs_policy();
std::unique_ptr<FlushPolicy> make_ranges_policy();
std::unique_ptr<FlushPolicy> make_domain_policy();
std::unique_ptr<FlushPolicy> make_deferred_policy();
std::unique_ptr<FlushPolicy> make_none_policy();

// One aligned block per cleared leaf run: the largest power-of-two blocks that tile it.
FlushGroups per_pte_groups(uint16_t did, const Gather& g, const InvCaps& caps);

}  // namespace sim
