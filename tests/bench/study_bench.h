#pragma once
// `iommu-sim-bench study [SCENARIO]`: how long one scenario takes to simulate (the
// performance issue's target 5: the canonical study point in at most 2 minutes). It
// runs the file through the CLI's own path (ConfigDoc, load_scenario, Platform, the
// checks) in its own process, so the wall time and peak resident set are the run's;
// only the output files are not written and tracing is off, as `run --trace none`.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/config/config.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "platform/checks.h"
#include "platform/platform_tlm.h"
#include "platform/scenario.h"
#include "tests/bench/harvest_bench.h"

namespace sim::bench {

constexpr double kStudyTargetSeconds = 120;

// Request TLPs of every device: the `dev.NAME.tlps` counters.
inline uint64_t device_tlps(const StatsRegistry& stats) {
  uint64_t n = 0;
  for (const std::string& name : stats.names())
    if (name.starts_with("dev.") && name.ends_with(".tlps") && name.find('.', 4) == name.size() - 5)
      n += stats.count(name);
  return n;
}

// The VMM's memory: the guest's size.
inline uint64_t guest_bytes(const Scenario& s) {
  uint64_t n = 0;
  for (const auto& m : s.host.memory) n += m.size;
  return n;
}

// User and system CPU seconds of this process so far: on a shared machine the wall
// time also counts the other processes' turns, the CPU time only this run's.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Runs the scenario with `sets` applied (as `run --set`); prints one JSON object. Exit
// code as `iommu-sim run`'s (0, or 1 when a check or an expectation failed); bad input
// throws InputError.
inline int study_main(const std::string& path, const std::vector<std::string>& sets = {}) {
  const auto t0 = std::chrono::steady_clock::now();
  ConfigDoc doc = ConfigDoc::from_file(path);
  for (const std::string& set : sets) doc.apply_set(set);
  Scenario s = load_scenario(doc);
  if (s.has_sweep) throw InputError("sweep", "this scenario holds a sweep; bench one point");
  TraceRecorder trace;  // no sink: tracing off
  Platform platform(s, trace);
  verify_check_names(s.checks, platform.stats());
  const Ps sim_time = platform.run();
  const std::vector<std::string> failures = evaluate_checks(s.checks, platform.stats());
  const double wall = seconds(t0), cpu = cpu_seconds();
  const StatsRegistry& stats = platform.stats();
  for (const std::string& f : failures) std::fprintf(stderr, "%s\n", f.c_str());
  std::printf(
      "{\"study\": %s, \"scenario\": %s, \"simulated_s\": %.6f, \"wall_s\": %.3f, "
      "\"cpu_s\": %.3f, "
      "\"events\": %llu, \"tlps\": %llu, \"tlps_per_wall_s\": %.0f, \"peak_rss_bytes\": %llu, "
      "\"migration_rounds\": %llu, \"pages_copied\": %llu, \"lost_pages\": %llu, "
      "\"checks_failed\": %zu, \"io_page_table_bytes\": %llu, \"guest_bytes\": %llu, "
      "\"recorded_frames\": %llu, \"spilled_frames\": %llu, \"overlay_bytes\": %llu, "
      "\"target_wall_s\": %.0f, \"wall_vs_target\": %.3f}\n",
      nlohmann::json(s.name).dump().c_str(), nlohmann::json(path).dump().c_str(),
      double(sim_time) / double(kSec), wall, cpu,
      (unsigned long long)platform.dispatcher().events_run(),
      (unsigned long long)device_tlps(stats), double(device_tlps(stats)) / wall,
      (unsigned long long)peak_rss(), (unsigned long long)stats.count("migration.rounds"),
      (unsigned long long)stats.count("migration.pages_copied"),
      (unsigned long long)stats.count("migration.lost_pages"), failures.size(),
      (unsigned long long)(platform.host().table_pages() * 4096),
      (unsigned long long)guest_bytes(s), (unsigned long long)platform.memory().recorded_frames(),
      (unsigned long long)platform.memory().spilled_frames(),
      (unsigned long long)platform.memory().overlay_bytes(), kStudyTargetSeconds,
      wall / kStudyTargetSeconds);
  return failures.empty() && platform.failed_expectations() == 0 ? 0 : 1;
}

}  // namespace sim::bench
