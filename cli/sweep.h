#pragma once
// `iommu-sim sweep`: one scenario over a grid of --set values and seeds, each point
// in its own `iommu-sim run` process (a SystemC simulation cannot restart), then the
// points side by side. The plan (sweep-plan.json) is what a backend runs and what a
// collect reads back; the reports are made from the files each point leaves.
#include <cstdint>
#include <string>
#include <vector>

namespace sim::cli {

struct Axis {
  std::string path;
  std::vector<std::string> values;
  // A scenario's `sweep.cases` (path "case"): value i names the PATH=VALUE assignments
  // sets[i]; empty for a grid axis, whose value goes to `path` itself.
  std::vector<std::vector<std::string>> sets = {};
};

// The --set assignments that give axis `a` its value `v`.
std::vector<std::string> axis_sets(const Axis& a, const std::string& v);

struct SweepPoint {
  std::vector<std::string> values;  // one per axis
  uint64_t seed = 0;
  std::string dir;                // OUTDIR/point-NNN[-seed-S], absolute in a plan
  std::vector<std::string> args;  // `iommu-sim ARGS...`: the point's run, absolute paths
  uint64_t config_hash = 0;       // of the config.resolved.yaml its run writes
  int exit_code = -1;             // -1: missing (not run, or killed before it ended)
  std::string error;              // last stderr line of a failed point
};

// Everything a backend needs to run the points and a collect needs to report them.
struct SweepPlan {
  std::string binary;    // absolute path of iommu-sim
  std::string scenario;  // absolute path of the scenario file
  std::string outdir;    // absolute
  std::vector<Axis> axes;
  std::vector<SweepPoint> points;
};

// "PATH=V1,V2,..." -> Axis; throws InputError naming the flag.
Axis parse_vary(const std::string& flag);
// The cross product, first axis slowest, each point repeated for `seeds` seeds.
std::vector<SweepPoint> expand(const std::vector<Axis>& axes, unsigned seeds, uint64_t base_seed,
                               const std::string& outdir);
// sweep.csv / sweep.json (each written whole, then renamed into place) and the
// comparison table, from the points' exit codes and stats.json files.
std::string write_reports(const std::vector<Axis>& axes, const std::vector<SweepPoint>& points,
                          const std::string& outdir);
// The folder name of a point: point-NNN[-seed-S].
std::string point_name(const SweepPoint& p);
// FNV-1a: a stable fingerprint of a point's resolved configuration.
uint64_t fingerprint(const std::string& text);
// `text` into `path` through a temporary beside it, so a reader never sees half a file;
// false when it cannot be written.
bool write_whole(const std::string& path, const std::string& text);

}  // namespace sim::cli
