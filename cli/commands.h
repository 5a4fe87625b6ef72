#pragma once
// The CLI's subcommands, each returning the process exit code.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sim::cli {

struct Args {
  std::vector<std::string> positional;
  std::vector<std::string> sets;
  std::string outdir;
  std::optional<uint64_t> seed;
  std::string trace;  // empty: the scenario's choice
  std::string quantum;
  bool ignore_time = false;
  bool quiet = false;         // run: no progress line on a terminal
  bool ignore_sweep = false;  // run: a point of a sweep runs the file without its sweep
  std::vector<std::string> vary;
  unsigned seeds = 0;
  unsigned jobs = 0;
  bool yes = false;  // sweep: run more than kSweepConfirmRuns
  std::string plot;
  std::string backend;  // sweep: local (default) or slurm
  std::vector<std::string> sbatch_args;
  bool no_wait = false;
  std::string collect;  // sweep --collect OUTDIR
  std::string component;
};

int run(const Args&);
int validate(const Args&);
int trace_diff(const Args&);
int sweep(const Args&);

}  // namespace sim::cli
