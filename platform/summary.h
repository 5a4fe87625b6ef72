#pragma once
// summary.txt: the key figures of a run in human units (also printed by `run`).
#include <string>
#include <vector>

#include "models/report/stats.h"
#include "platform/scenario.h"

namespace sim {

std::string make_summary(const Scenario& s, const StatsRegistry& stats, Ps sim_time,
                         const std::vector<std::string>& check_failures);

}  // namespace sim
