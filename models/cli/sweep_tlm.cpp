// `iommu-sim sweep`: validates every point, runs them as child processes (-j in
// parallel), and reports them side by side.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "models/cli/cli_options.h"
#include "models/cli/commands.h"
#include "models/cli/sweep.h"
#include "models/platform/scenario.h"

extern char** environ;

namespace fs = std::filesystem;

namespace sim::cli {

namespace {

std::vector<std::string> point_args(const Args& a, const std::vector<Axis>& axes,
                                    const SweepPoint& p) {
  std::vector<std::string> v = {
      "iommu-sim", "run",  a.positional[0],  "-o",     p.dir,
      "--trace",   "none", "--ignore-sweep", "--seed", std::to_string(p.seed)};
  for (const std::string& s : a.sets) v.insert(v.end(), {"--set", s});
  for (size_t k = 0; k < axes.size(); ++k)
    v.insert(v.end(), {"--set", axes[k].path + "=" + p.values[k]});
  if (!a.quantum.empty()) v.insert(v.end(), {"--quantum", a.quantum});
  return v;
}

pid_t spawn(const std::vector<std::string>& args, const std::string& dir) {
  fs::create_directories(dir);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (dir + "/stdout.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (dir + "/stderr.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The line of a failed point's stderr that says why: its "error:" or "internal
// error" line (a SystemC report goes on with "In process: ..."), else the last line.
std::string last_line(const std::string& file) {
  std::ifstream f(file);
  std::string line, last, error;
  while (std::getline(f, line)) {
    if (line.empty() || line.rfind("ran ", 0) == 0) continue;
    last = line;
    if (error.empty() && (line.rfind("error: ", 0) == 0 || line.rfind("internal error", 0) == 0 ||
                          line.rfind("Error: ", 0) == 0))
      error = line;
  }
  return error.empty() ? last : error;
}

// Before any point runs: the axes name distinct paths with distinct values, the
// grid is a size the user asked for, the plot can be drawn.
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
  if (a.positional.size() != 1) throw InputError("arguments", "expected one scenario file");
  ConfigDoc doc = ConfigDoc::from_file(a.positional[0]);
  for (const std::string& s : a.sets) doc.apply_set(s);
  Scenario s = load_scenario(doc);
  std::vector<Axis> axes;
  if (!a.vary.empty()) {
    for (const std::string& v : a.vary) axes.push_back(parse_vary(v));
  } else {
    for (const auto& [path, values] : s.sweep_vary) axes.push_back({path, values});
  }
  const unsigned seeds = a.seeds ? a.seeds : s.sweep_seeds;
  const std::string outdir = a.outdir.empty() ? "out/" + s.name + "-sweep" : a.outdir;
  check_sweep(a, axes, seeds);
  if (std::error_code ec; fs::exists(outdir, ec) && !fs::is_directory(outdir, ec))
    throw InputError("-o", outdir + " is not a folder");
  std::vector<SweepPoint> points = expand(axes, seeds, s.seed, outdir);
  // Every point's configuration is checked before anything runs (as a whole: a key
  // may exist only for another key's value, like a deferred flush's `sticky`).
  for (size_t i = 0; i < points.size(); i += seeds) {
    ConfigDoc d = ConfigDoc::from_file(a.positional[0]);
    for (const std::string& x : a.sets) d.apply_set(x);
    for (size_t k = 0; k < axes.size(); ++k) d.apply_set(axes[k].path + "=" + points[i].values[k]);
    load_scenario(d);
  }
  fs::create_directories(outdir);
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);  // keep the points' stderr to the point
  const unsigned jobs = a.jobs ? a.jobs : 1;
  std::map<pid_t, size_t> running;
  size_t next = 0;
  while (next < points.size() || !running.empty()) {
    while (next < points.size() && running.size() < jobs) {
      pid_t pid = spawn(point_args(a, axes, points[next]), points[next].dir);
      if (pid < 0) {
        points[next].error = "could not start a process";
      } else {
        running[pid] = next;
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    pid_t done = waitpid(-1, &status, 0);
    auto it = running.find(done);
    if (it == running.end()) continue;
    SweepPoint& p = points[it->second];
    p.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (p.exit_code != 0) p.error = last_line(p.dir + "/stderr.txt");
    running.erase(it);
  }
  std::cout << write_reports(axes, points, outdir);
  std::cerr << "sweep: " << points.size() << " runs; sweep.csv and sweep.json in " << outdir
            << "\n";
  if (!a.plot.empty()) plot(a.plot, axes, outdir);
  for (const SweepPoint& p : points)
    if (p.exit_code != 0) return 1;
  return 0;
}

}  // namespace sim::cli
