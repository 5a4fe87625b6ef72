#pragma once
// What the flush policies' files (flush_<name>.cpp) share; flush_registry.h lists them.
#include <memory>

#include "host-sw/driver/flush_policy.h"

namespace sim {

using FlushGroups = std::vector<std::vector<InvDescriptor>>;

// One aligned block per cleared leaf run: the largest power-of-two blocks that tile it.
FlushGroups per_pte_groups(uint16_t did, const Gather& g, const InvCaps& caps);

}  // namespace sim
