// iommu-sim: the command line. Every executable linking libsystemc defines sc_main.
#include <systemc>

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "models/cli/commands.h"
#include "models/input_error.h"

namespace po = boost::program_options;

namespace {

const char* kUsage =
    "usage:\n"
    "  iommu-sim run SCENARIO [-o OUTDIR] [--set PATH=VALUE]... [--seed N] "
    "[--trace text|chrome|both|none] [--quantum TIME] [--quiet]\n"
    "  iommu-sim validate SCENARIO [--set PATH=VALUE]...\n"
    "  iommu-sim sweep SCENARIO [--vary PATH=V1,V2,...]... [--seeds N] [-j N] [-o OUTDIR] "
    "[--plot STAT]\n"
    "  iommu-sim trace-diff A B [--ignore-time] [--component NAME]\n"
    "  iommu-sim --help | --version\n"
    "exit codes: 0 ran and every expectation held; 1 an expectation or check failed; "
    "2 bad input\n";

// SystemC reports must never reach stdout (it carries the summary and is compared).
void route_systemc_reports() {
  using namespace sc_core;
  sc_report_handler::set_handler([](const sc_report& r, const sc_actions& actions) {
    if (actions & SC_DISPLAY) std::cerr << sc_report_compose_message(r) << "\n";
    if (actions & SC_THROW) throw r;
  });
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  sc_report_handler::set_actions(SC_WARNING, SC_DISPLAY);
  sc_report_handler::set_actions(SC_ERROR, SC_DISPLAY | SC_THROW);
  sc_report_handler::set_actions(SC_FATAL, SC_DISPLAY | SC_THROW);
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "iommu-sim " << SIM_VERSION << "\n";
    return 0;
  }

  po::options_description opts("options");
  std::vector<std::string> positional, sets;
  opts.add_options()("help,h", "show usage")("out,o", po::value<std::string>(), "output folder")(
      "set", po::value<std::vector<std::string>>(&sets), "PATH=VALUE override")(
      "seed", po::value<uint64_t>(), "seed override")("trace", po::value<std::string>(),
                                                      "text|chrome|both|none")(
      "quantum", po::value<std::string>(), "SystemC quantum override (performance only)")(
      "ignore-time", "trace-diff: ignore the time column")("quiet", "run: no progress line")(
      "ignore-sweep", "run: a sweep point (used by sweep)")(
      "vary", po::value<std::vector<std::string>>(), "sweep: PATH=V1,V2,...")(
      "seeds", po::value<unsigned>(), "sweep: seeds per point")("jobs,j", po::value<unsigned>(),
                                                                "sweep: points in parallel")(
      "plot", po::value<std::string>(), "sweep: draw STAT as an SVG")(
      "component", po::value<std::string>(), "trace-diff: compare one component only")(
      "args", po::value<std::vector<std::string>>(&positional), "positional");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "iommu-sim " << cmd << ": " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage;
    return 0;
  }

  sim::cli::Args a;
  a.positional = positional;
  a.sets = sets;
  if (vm.count("out")) a.outdir = vm["out"].as<std::string>();
  if (vm.count("seed")) a.seed = vm["seed"].as<uint64_t>();
  if (vm.count("trace")) a.trace = vm["trace"].as<std::string>();
  if (vm.count("quantum")) a.quantum = vm["quantum"].as<std::string>();
  a.ignore_time = vm.count("ignore-time") > 0;
  a.ignore_sweep = vm.count("ignore-sweep") > 0;
  a.quiet = vm.count("quiet") > 0;
  if (vm.count("vary")) a.vary = vm["vary"].as<std::vector<std::string>>();
  if (vm.count("seeds")) a.seeds = vm["seeds"].as<unsigned>();
  if (vm.count("jobs")) a.jobs = vm["jobs"].as<unsigned>();
  if (vm.count("plot")) a.plot = vm["plot"].as<std::string>();
  if (vm.count("component")) a.component = vm["component"].as<std::string>();

  if (cmd == "run") return sim::cli::run(a);
  if (cmd == "validate") return sim::cli::validate(a);
  if (cmd == "trace-diff") return sim::cli::trace_diff(a);
  if (cmd == "sweep") return sim::cli::sweep(a);
  std::cerr << "iommu-sim: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}

}  // namespace

int sc_main(int argc, char** argv) {
  route_systemc_reports();
  try {
    return dispatch(argc, argv);
  } catch (const sim::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const sc_core::sc_report& r) {
    std::cerr << "internal error (SystemC): " << r.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
