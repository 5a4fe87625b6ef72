// `iommu-sim sweep`: validates every point, writes the plan, runs the points a
// re-run cannot keep on the chosen backend, and reports them side by side.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/sweep.h"
#include "cli/sweep_backend.h"
#include "cli/sweep_resume.h"
#include "platform/scenario.h"

namespace fs = std::filesystem;

namespace sim::cli {

namespace {

// The run of one point, as `iommu-sim ARGS...`, with absolute paths (a compute node
// shares the filesystem, not this process's working directory).
std::vector<std::string> point_args(const Args& a, const SweepPlan& plan, const SweepPoint& p) {
  std::vector<std::string> v = {
      "run",    plan.scenario,         "-o", p.dir, "--trace", "none", "--ignore-sweep",
      "--seed", std::to_string(p.seed)};
  for (const std::string& s : a.sets) v.insert(v.end(), {"--set", s});
  for (size_t k = 0; k < plan.axes.size(); ++k)
    for (const std::string& s : axis_sets(plan.axes[k], p.values[k]))
      v.insert(v.end(), {"--set", s});
  if (!a.quantum.empty()) v.insert(v.end(), {"--quantum", a.quantum});
  return v;
}

// What `iommu-sim run` with these arguments writes as config.resolved.yaml (the same
// overrides in the same order); loading it also validates the point.
std::string resolved_config(const Args& a, const SweepPlan& plan, const SweepPoint& p) {
  ConfigDoc d = ConfigDoc::from_file(a.positional[0]);
  for (const std::string& x : a.sets) d.apply_set(x);
  for (size_t k = 0; k < plan.axes.size(); ++k)
    for (const std::string& s : axis_sets(plan.axes[k], p.values[k])) d.apply_set(s);
  d.apply_set("seed=" + std::to_string(p.seed));
  if (!a.quantum.empty()) d.apply_set("sim.quantum=" + a.quantum);
  load_scenario(d);
  return d.resolved_yaml();
}

// Before any point runs: the axes name distinct paths with distinct values, the grid is
// a size the user asked for, the plot can be drawn.
void check_sweep(const Args& a, const std::vector<Axis>& axes, unsigned seeds) {
  uint64_t runs = seeds;
  for (size_t i = 0; i < axes.size(); ++i) {
    for (size_t k = 0; k < i; ++k)
      if (axes[k].path == axes[i].path)
        throw InputError("--vary " + axes[i].path + "=...",
                         axes[i].path + " is varied twice; give its values in one --vary");
    for (size_t v = 0; v < axes[i].values.size(); ++v)
      for (size_t w = 0; w < v; ++w)
        if (axes[i].values[v] == axes[i].values[w])
          throw InputError("--vary " + axes[i].path + "=...",
                           "the value '" + axes[i].values[v] + "' twice");
    runs = axes[i].values.size() > kMaxSweepRuns / runs + 1 ? kMaxSweepRuns + 1
                                                            : runs * axes[i].values.size();
  }
  if (runs > kMaxSweepRuns)
    throw InputError("sweep", "over " + std::to_string(kMaxSweepRuns) +
                                  " runs (the values of every axis times --seeds); split it");
  if (runs > kSweepConfirmRuns && !a.yes)
    throw InputError(a.seeds ? "--seeds" : "sweep", std::to_string(runs) + " runs, over " +
                                                        std::to_string(kSweepConfirmRuns) +
                                                        ": add --yes to run them all");
  if (!a.plot.empty() && std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    throw InputError("--plot", "gnuplot is not installed (apt-get install gnuplot-nox)");
}

void plot(const std::string& stat, const std::vector<Axis>& axes, const std::string& outdir) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    throw InputError("--plot", "gnuplot is not installed (apt-get install gnuplot-nox)");
  // Column of `stat` in sweep.csv, plotted against the first varied path.
  std::ifstream csv(outdir + "/sweep.csv");
  std::string header;
  std::getline(csv, header);
  int col = 0, i = 1;
  size_t pos = 0;
  for (;;) {
    size_t next = header.find(',', pos);
    if (header.substr(pos, next - pos) == stat) col = i;
    if (next == std::string::npos) break;
    pos = next + 1;
    ++i;
  }
  if (!col) throw InputError("--plot", "no statistic named '" + stat + "' in the sweep");
  std::ofstream gp(outdir + "/plot.gp");
  gp << "set terminal svg size 800,480\nset output '" << outdir << "/" << stat << ".svg'\n"
     << "set datafile separator ','\nset key off\nset grid\nset xlabel '"
     << (axes.empty() ? "point" : axes[0].path) << "'\nset ylabel '" << stat << "'\n"
     << "set xtics rotate by -30\nplot '" << outdir << "/sweep.csv' every ::1 using 0:" << col
     << ":xtic(" << (axes.empty() ? 1 : 3) << ") with linespoints\n";
  gp.close();
  if (std::system(("gnuplot " + outdir + "/plot.gp").c_str()) != 0)
    throw InputError("--plot", "gnuplot failed; see " + outdir + "/plot.gp");
  std::cerr << "plot: " << outdir << "/" << stat << ".svg\n";
}

}  // namespace

int sweep(const Args& a) {
  if (!a.collect.empty()) {
    if (!a.positional.empty())
      throw InputError("--collect", "takes the output directory only, no scenario");
    SweepPlan plan = load_plan(a.collect);
    const int rc = collect(plan);
    if (!a.plot.empty()) plot(a.plot, plan.axes, plan.outdir);
    return rc;
  }
  if (a.positional.size() != 1) throw InputError("arguments", "expected one scenario file");
  BackendOptions opts{a.jobs, a.sbatch_args, a.no_wait};
  std::unique_ptr<SweepBackend> backend = make_backend(a.backend.empty() ? "local" : a.backend);
  backend->check(opts);
  ConfigDoc doc = ConfigDoc::from_file(a.positional[0]);
  for (const std::string& s : a.sets) doc.apply_set(s);
  Scenario s = load_scenario(doc);
  SweepPlan plan;
  // The scenario's cases stay the first axis; --vary replaces its grid only.
  if (!s.sweep_cases.empty()) {
    Axis cases{"case", {}};
    for (const Scenario::SweepCase& c : s.sweep_cases) {
      cases.values.push_back(c.name);
      cases.sets.push_back(c.sets);
    }
    plan.axes.push_back(std::move(cases));
  }
  if (!a.vary.empty()) {
    for (const std::string& v : a.vary) plan.axes.push_back(parse_vary(v));
  } else {
    for (const auto& [path, values] : s.sweep_vary) plan.axes.push_back({path, values});
  }
  const unsigned seeds = a.seeds ? a.seeds : s.sweep_seeds;
  check_sweep(a, plan.axes, seeds);
  const fs::path outdir =
      a.outdir.empty() ? fs::path("out") / (s.name + "-sweep") : fs::path(a.outdir);
  if (std::error_code ec; fs::exists(outdir, ec) && !fs::is_directory(outdir, ec))
    throw InputError("-o", outdir.string() + " is not a folder");
  plan.outdir = fs::absolute(outdir).lexically_normal().string();
  while (plan.outdir.size() > 1 && plan.outdir.back() == '/') plan.outdir.pop_back();
  plan.scenario = fs::absolute(a.positional[0]).lexically_normal().string();
  plan.binary = fs::read_symlink("/proc/self/exe").string();
  plan.points = expand(plan.axes, seeds, s.seed, plan.outdir);
  // Every point's configuration is checked before anything runs (as a whole: a key
  // may exist only for another key's value, like a deferred flush's `sticky`).
  for (SweepPoint& p : plan.points) {
    p.args = point_args(a, plan, p);
    p.config_hash = fingerprint(resolved_config(a, plan, p));
  }
  prepare_outdir(plan);
  std::vector<size_t> todo = points_to_run(plan);
  save_plan(plan);
  if (todo.size() < plan.points.size())
    std::cerr << "sweep: " << plan.points.size() - todo.size() << " of " << plan.points.size()
              << " runs already done in " << plan.outdir << " (same configuration); running "
              << todo.size() << "\n";
  if (!todo.empty() && !backend->run(plan, todo, opts)) return 0;  // queued; a job collects
  const int rc = collect(plan);
  if (!a.plot.empty()) plot(a.plot, plan.axes, plan.outdir);
  return rc;
}

}  // namespace sim::cli
