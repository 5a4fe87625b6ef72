#pragma once
// `run`'s live progress line on a terminal: simulated time and its share of sim.end,
// the migration's round and pages left, host time and an estimate of what remains,
// rewritten in place on stderr a few times a second and erased at the end. Only when
// stderr is a terminal and --quiet was not given: never in an output file or a pipe.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "host-sw/driver/migration_observer.h"
#include "models/base/units.h"

namespace sim::cli {

class ProgressLine {
 public:
  // `end` is sim.end (0 when the run ends by itself: no share shown); `migration`
  // reads the migration's state (the host's, at the moment of the call).
  ProgressLine(std::FILE* out, Ps end, std::function<MigrationProgress()> migration);
  ~ProgressLine() { finish(); }
  // Whether a run should show one: stderr is a terminal and not --quiet.
  static bool wanted(bool quiet);

  // After every event: looks at the clock every few thousand events only.
  void tick(Ps now) {
    if (++events_ % kEventsPerLook == 0) look(now);
  }
  void finish();  // erases the line
  // The line for these figures (tests): host seconds so far.
  static std::string line(Ps now, Ps end, const MigrationProgress& m, double host_s);

 private:
  static constexpr uint64_t kEventsPerLook = 4096;
  void look(Ps now);

  std::FILE* out_;
  Ps end_;
  std::function<MigrationProgress()> migration_;
  std::chrono::steady_clock::time_point start_, last_;
  uint64_t events_ = 0;
  bool shown_ = false;
};

}  // namespace sim::cli
