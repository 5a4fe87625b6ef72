#pragma once
// `iommu-sim-bench scale`: how host time and memory grow with the guest. The canonical
// study's devices and migration (scenarios/canonical-study-1t.yaml: 4 KiB IOPTEs,
// dirty tracking, a 50 GB/s copy) at 16, 64, 256 GiB and 1 TiB, each point in its own
// process (`scale --point`), so each peak resident set is that run's alone. Prints one
// JSON: per point host seconds, CPU seconds, peak RSS, request TLPs, ns of host time per
// TLP, IO page-table bytes, and the RSS growth per guest page beyond the page tables
// between consecutive points (the target: at most 16 bytes).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/bench/study_bench.h"

extern char** environ;

namespace sim::bench {

struct ScalePoint {
  const char* name;
  std::vector<std::string> sets;  // applied to canonical-study-1t.yaml
};

// The 1 TiB file is the reference; smaller guests shrink the memory, the high mapping
// (3 GiB stay below the 4 GiB hole) and sim.end (round 0 copies the guest at 50 GB/s
// from 300 ms; the pre-copy rounds and the stop-and-copy follow).
inline std::vector<ScalePoint> scale_points() {
  auto shrink = [](const char* guest, const char* high, const char* phys, const char* end) {
    return std::vector<std::string>{
        std::string("host.memory.guest.size=") + guest, std::string("host.setup[5].length=") + high,
        std::string("platform.memory.size=") + phys, std::string("sim.end=") + end};
  };
  return {{"16GiB", shrink("16GiB", "13GiB", "20GiB", "1s")},
          {"64GiB", shrink("64GiB", "61GiB", "68GiB", "2s")},
          {"256GiB", shrink("256GiB", "253GiB", "260GiB", "6500ms")},
          {"1TiB", {}}};
}

// Runs `exe scale --point NAME` and returns its one line of JSON (empty on failure).
inline std::string run_point(const char* name) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> args = {"iommu-sim-bench", "scale", "--point", name};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "";
  return out;
}

inline int scale_main(const std::string& scenario) {
  nlohmann::json points = nlohmann::json::array();
  nlohmann::json prev;
  for (const ScalePoint& p : scale_points()) {
    std::fprintf(stderr, "scale: %s ...\n", p.name);
    const std::string out = run_point(p.name);
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (out.empty() || j.is_discarded()) {
      std::fprintf(stderr, "scale: the %s point failed\n", p.name);
      return 1;
    }
    const double tlps = j["tlps"].get<double>();
    nlohmann::json r = {{"guest", p.name},
                        {"guest_bytes", j["guest_bytes"]},
                        {"simulated_s", j["simulated_s"]},
                        {"host_s", j["wall_s"]},
                        {"cpu_s", j["cpu_s"]},
                        {"peak_rss_bytes", j["peak_rss_bytes"]},
                        {"io_page_table_bytes", j["io_page_table_bytes"]},
                        {"tlps", j["tlps"]},
                        {"ns_per_tlp", tlps > 0 ? j["wall_s"].get<double>() * 1e9 / tlps : 0.0},
                        {"cpu_ns_per_tlp", tlps > 0 ? j["cpu_s"].get<double>() * 1e9 / tlps : 0.0},
                        {"recorded_frames", j["recorded_frames"]},
                        {"spilled_frames", j["spilled_frames"]},
                        {"migration_rounds", j["migration_rounds"]},
                        {"lost_pages", j["lost_pages"]}};
    if (!prev.is_null()) {
      // RSS beyond the IO page tables, per guest page added since the previous point.
      auto beyond = [](const nlohmann::json& x) {
        return double(x["peak_rss_bytes"].get<uint64_t>()) -
               double(x["io_page_table_bytes"].get<uint64_t>());
      };
      const double pages =
          double(j["guest_bytes"].get<uint64_t>() - prev["guest_bytes"].get<uint64_t>()) / 4096;
      r["rss_bytes_per_added_guest_page_beyond_tables"] = (beyond(j) - beyond(prev)) / pages;
    }
    prev = j;
    points.push_back(r);
  }
  nlohmann::json all = {{"scale", scenario},
                        {"points", points},
                        {"target_1tib_host_s", 300},
                        {"target_256gib_host_s", 90},
                        {"target_rss_bytes_per_guest_page", 16}};
  std::printf("%s\n", all.dump().c_str());
  return 0;
}

// `scale [--point NAME]`: every point, or one (what each child runs). `canonical` is
// scenarios/canonical-study.yaml; the points use its -1t sibling.
inline int scale_cli(int argc, char** argv, std::string canonical) {
  const std::string scenario = canonical.replace(canonical.size() - 5, 5, "-1t.yaml");
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    if (argc == 2) return scale_main(scenario);
    if (argc == 4 && std::string(argv[2]) == "--point")
      for (const ScalePoint& p : scale_points())
        if (p.name == std::string(argv[3])) return study_main(scenario, p.sets);
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 3;
  }
  std::fprintf(stderr, "usage: iommu-sim-bench scale [--point 16GiB|64GiB|256GiB|1TiB]\n");
  return 2;
}

}  // namespace sim::bench
