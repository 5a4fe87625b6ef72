#pragma once
// `iommu-sim sweep`: one scenario over a grid of --set values and seeds, each point
// in its own `iommu-sim run` process (a SystemC simulation cannot restart), then the
// points side by side.
#include <cstdint>
#include <string>
#include <vector>

namespace sim::cli {

struct Axis {
  std::string path;
  std::vector<std::string> values;
};

struct SweepPoint {
  std::vector<std::string> values;  // one per axis
  uint64_t seed = 0;
  std::string dir;  // OUTDIR/point-NNN[-seed-S]
  int exit_code = -1;
  std::string error;  // last stderr line of a failed point
};

// "PATH=V1,V2,..." -> Axis; throws InputError naming the flag.
Axis parse_vary(const std::string& flag);
// The cross product, first axis slowest, each point repeated for `seeds` seeds.
std::vector<SweepPoint> expand(const std::vector<Axis>& axes, unsigned seeds, uint64_t base_seed,
                               const std::string& outdir);
// sweep.csv / sweep.json / the comparison table from the points' stats.json files.
std::string write_reports(const std::vector<Axis>& axes, const std::vector<SweepPoint>& points,
                          const std::string& outdir);

}  // namespace sim::cli
