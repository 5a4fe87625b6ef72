#pragma once
// The scenario's `host:` section: the VMM's memory and limits, the host cost model, and
// its operations (`setup:` before time 0, `steps:` in simulated time), each read by its
// kind from the table of operations and checked before anything runs.
#include <string>
#include <vector>

#include "host-sw/vmm/host_config.h"
#include "models/config/config.h"

namespace sim {

// `devices`: the device names scenario steps may refer to.
HostConfig load_host_config(ConfigReader& r, const std::vector<std::string>& devices);

}  // namespace sim
