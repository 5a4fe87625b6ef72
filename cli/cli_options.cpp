#include "cli/cli_options.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <map>

#include "models/base/input_error.h"

namespace po = boost::program_options;

namespace sim::cli {

namespace {

const char* kUsage =
    "usage:\n"
    "  iommu-sim run SCENARIO [-o OUTDIR] [--set PATH=VALUE]... [--seed N] "
    "[--trace text|chrome|both|none] [--quantum TIME] [--quiet]\n"
    "  iommu-sim validate SCENARIO [--set PATH=VALUE]... [--seed N] [--quantum TIME]\n"
    "  iommu-sim sweep SCENARIO [--vary PATH=V1,V2,...]... [--seeds N] [-j N] [-o OUTDIR] "
    "[--plot STAT] [--yes]\n"
    "        [--backend local|slurm] [--sbatch-arg=ARG]... [--no-wait]\n"
    "  iommu-sim sweep --collect OUTDIR [--plot STAT]\n"
    "  iommu-sim trace-diff A B [--ignore-time] [--component NAME]\n"
    "  iommu-sim COMMAND --help | --help | --version\n"
    "exit codes: 0 ran and every expectation held; 1 an expectation or check failed; "
    "2 bad input; 3 an internal error\n";

struct CommandInfo {
  Command fn;
  const char* usage;
  const char* about;
  std::vector<const char*> flags;
};

// Each command's flags, by the names in options() below.
const std::map<std::string, CommandInfo>& commands() {
  static const std::map<std::string, CommandInfo> c = {
      {"run",
       {&run,
        "iommu-sim run SCENARIO [options]",
        "Runs one scenario; writes config.resolved.yaml, stats.json, stats.txt, summary.txt,\n"
        "traces and timeseries.csv into OUTDIR (default out/NAME, NAME the scenario's name).\n"
        "The outputs appear when the run ends (built in .NAME.partial-PID beside OUTDIR);\n"
        "an existing OUTDIR holding an earlier run is replaced, any other non-empty folder\n"
        "is refused. A run that fails leaves its partial outputs in OUTDIR.failed.",
        {"out", "set", "seed", "trace", "quantum", "quiet"}}},
      {"validate",
       {&validate,
        "iommu-sim validate SCENARIO [options]",
        "Reads the scenario with its overrides and reports the first error, or ok.",
        {"set", "seed", "quantum"}}},
      {"sweep",
       {&sweep,
        "iommu-sim sweep SCENARIO [options]",
        "Runs the scenario over a grid of --vary values (or its sweep: section) and seeds,\n"
        "each point in its own process, then writes sweep.csv, sweep.json and a table.\n"
        "More than 1000 runs need --yes; more than 1000000 are refused. Re-running a sweep\n"
        "into the same OUTDIR keeps the runs that finished with the same configuration.\n"
        "--backend slurm runs the points as one sbatch --array job (-j: its throttle);\n"
        "--collect OUTDIR reports a finished or partly finished sweep.",
        {"out", "set", "quantum", "vary", "seeds", "jobs", "plot", "yes", "backend", "sbatch-arg",
         "no-wait", "collect"}}},
      {"trace-diff",
       {&trace_diff,
        "iommu-sim trace-diff A B [options]",
        "Where two text traces (trace.txt) first differ; exit 0 same, 1 different.",
        {"ignore-time", "component"}}},
  };
  return c;
}

po::options_description options(const CommandInfo& c) {
  po::options_description all("options"), mine("options");
  all.add_options()("help,h", "this help")("out,o", po::value<std::string>(),
                                           "output folder (default out/NAME)")(
      "set", po::value<std::vector<std::string>>(), "PATH=VALUE: override a scenario value")(
      "seed", po::value<std::string>(), "N: the scenario's seed (0 to 2^63-1)")(
      "trace", po::value<std::string>(), "text|chrome|both|none (default: output.trace)")(
      "quantum", po::value<std::string>(), "TIME: SystemC quantum (performance only)")(
      "vary", po::value<std::vector<std::string>>(), "PATH=V1,V2,...: an axis of the grid")(
      "seeds", po::value<std::string>(), "N: seeds per point, 1 to 1000 (default sweep.seeds)")(
      "jobs,j", po::value<std::string>(), "N: points run in parallel, 1 to 256 (default 1)")(
      "plot", po::value<std::string>(), "STAT: draw it against the first axis (needs gnuplot)")(
      "quiet", "no progress line on a terminal")("yes", "run a sweep of more than 1000 runs")(
      "backend", po::value<std::string>(), "local|slurm: where the points run (default local)")(
      "sbatch-arg", po::value<std::vector<std::string>>(),
      "ARG: passed to sbatch (partition, time limit, account...); repeatable")(
      "no-wait", "slurm: queue the sweep and a collect job, and return")(
      "collect", po::value<std::string>(), "OUTDIR: report the sweep in OUTDIR")(
      "ignore-time", "compare without the time column")(
      "component", po::value<std::string>(), "NAME: compare only this component's lines");
  for (const auto& o : all.options()) {
    bool wanted = o->long_name() == "help";
    for (const char* f : c.flags) wanted |= o->long_name() == f;
    if (wanted) mine.add(o);
  }
  return mine;
}

uint64_t number(const po::variables_map& vm, const char* flag, uint64_t lo, uint64_t hi) {
  const std::string v = vm[flag].as<std::string>();
  const std::string name = std::string(flag[1] ? "--" : "-") + flag;
  uint64_t x = 0;
  bool ok = !v.empty() && v.size() <= 20;
  for (char ch : v) {
    if (ch < '0' || ch > '9' || x > (UINT64_MAX - 9) / 10) {
      ok = false;
      break;
    }
    x = x * 10 + uint64_t(ch - '0');
  }
  if (!ok || x < lo || x > hi)
    throw InputError(name, "expected an integer from " + std::to_string(lo) + " to " +
                               std::to_string(hi) + ", got '" + v + "'");
  return x;
}

}  // namespace

int parse_command_line(int argc, char** argv, Command& fn, Args& a) {
  std::string cmd;
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "iommu-sim " << SIM_VERSION << "\n";
    return 0;
  }
  auto it = commands().find(cmd);
  if (it == commands().end()) {
    std::cerr << "iommu-sim: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
  }
  const CommandInfo& c = it->second;
  fn = c.fn;
  po::options_description opts = options(c);
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(), "positional");
  // A sweep's own point runs: internal, so not in the help.
  if (cmd == "run") hidden.add_options()("ignore-sweep", "a sweep point");
  po::options_description parse;
  parse.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(parse).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "iommu-sim " << cmd << ": " << e.what() << " (see iommu-sim " << cmd
              << " --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "usage: " << c.usage << "\n" << c.about << "\n\n" << opts;
    return 0;
  }
  if (vm.count("args")) a.positional = vm["args"].as<std::vector<std::string>>();
  if (vm.count("set")) a.sets = vm["set"].as<std::vector<std::string>>();
  if (vm.count("out")) {
    a.outdir = vm["out"].as<std::string>();
    if (a.outdir.empty()) throw InputError("-o", "expected a folder name, got ''");
  }
  if (vm.count("seed")) a.seed = number(vm, "seed", 0, INT64_MAX);
  if (vm.count("trace")) {
    a.trace = vm["trace"].as<std::string>();
    if (a.trace.empty()) throw InputError("--trace", "expected text, chrome, both or none, got ''");
  }
  if (vm.count("quantum")) {
    a.quantum = vm["quantum"].as<std::string>();
    if (a.quantum.empty()) throw InputError("--quantum", "expected a time, got ''");
  }
  a.ignore_time = vm.count("ignore-time") > 0;
  a.ignore_sweep = vm.count("ignore-sweep") > 0;
  a.yes = vm.count("yes") > 0;
  a.quiet = vm.count("quiet") > 0;
  if (vm.count("vary")) a.vary = vm["vary"].as<std::vector<std::string>>();
  if (vm.count("seeds")) a.seeds = unsigned(number(vm, "seeds", 1, 1000));
  if (vm.count("jobs")) a.jobs = unsigned(number(vm, "jobs", 1, 256));
  if (vm.count("plot")) a.plot = vm["plot"].as<std::string>();
  if (vm.count("backend")) a.backend = vm["backend"].as<std::string>();
  if (vm.count("sbatch-arg")) a.sbatch_args = vm["sbatch-arg"].as<std::vector<std::string>>();
  a.no_wait = vm.count("no-wait") > 0;
  if (vm.count("collect")) {
    a.collect = vm["collect"].as<std::string>();
    if (a.collect.empty()) throw InputError("--collect", "expected a sweep's folder, got ''");
  }
  if (vm.count("component")) {
    a.component = vm["component"].as<std::string>();
    if (a.component.empty()) throw InputError("--component", "expected a component name, got ''");
  }
  return -1;
}

}  // namespace sim::cli
