#pragma once
// rounds.csv: one line per migration round, with where its host time went and what
// its invalidations covered and cost the IOTLB.
#include <string>
#include <vector>

#include "host-sw/driver/migration_observer.h"

namespace sim {

std::string rounds_csv(const std::vector<MigrationRound>& rounds);

}  // namespace sim
