#pragma once
// A sweep's output directory: the plan written before any point runs, which points a
// re-run can keep (resume), and the reports made from whatever the points left
// (collect, also by hand on a partly finished directory).
#include <string>
#include <vector>

#include "cli/sweep.h"

namespace sim::cli {

inline constexpr const char* kPlanFile = "sweep-plan.json";

// Creates plan.outdir and proves it writable; removes the reports of an earlier run
// (so nothing stale looks complete) and point folders that are not in this plan.
// InputError (exit 2) when the directory cannot be made or written.
void prepare_outdir(const SweepPlan& plan);
void save_plan(const SweepPlan& plan);
// InputError when `outdir` holds no sweep.
SweepPlan load_plan(const std::string& outdir);
// The points whose folders do not hold a finished run of exactly their configuration
// (exit 0 or 1, stats.json, the same resolved config); their folders are removed.
std::vector<size_t> points_to_run(const SweepPlan& plan);
// Each point's exit code and error from its folder (missing: -1), then sweep.csv,
// sweep.json and the table on stdout; missing points are named on stderr. Returns the
// exit status: 0 every point ran and held, 1 otherwise.
int collect(SweepPlan& plan);

}  // namespace sim::cli
