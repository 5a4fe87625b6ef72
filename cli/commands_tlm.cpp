// run / validate / trace-diff.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/capped_file.h"
#include "cli/commands.h"
#include "cli/output_dir.h"
#include "cli/progress.h"
#include "models/base/input_file.h"
#include "models/report/trace_chrome_sink.h"
#include "models/report/trace_diff.h"
#include "models/report/trace_text_sink.h"
#include "platform/platform_tlm.h"
#include "platform/rounds_csv.h"
#include "platform/summary.h"

namespace fs = std::filesystem;

namespace sim::cli {

namespace {

void need_args(const Args& a, size_t n, const char* what) {
  if (a.positional.size() != n) throw InputError("arguments", std::string("expected ") + what);
}

// The scenario with every override applied, in the order given.
ConfigDoc load_doc(const Args& a) {
  ConfigDoc doc = ConfigDoc::from_file(a.positional[0]);
  for (const std::string& s : a.sets) doc.apply_set(s);
  if (a.seed) doc.apply_set("seed=" + std::to_string(*a.seed));
  if (!a.quantum.empty()) doc.apply_set("sim.quantum=" + a.quantum);
  return doc;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw InputError("-o", "cannot write " + p.string());
}

}  // namespace

int validate(const Args& a) {
  need_args(a, 1, "one scenario file");
  ConfigDoc doc = load_doc(a);
  Scenario s = load_scenario(doc);
  std::cout << a.positional[0] << ": ok (" << s.name << ")\n";
  return 0;
}

namespace {

// The simulation and every output file, written into `dir`; returns the exit code.
// A run the trace limit stopped is reported through `stopped`, not thrown: once the
// simulation has run, SystemC's threads stay suspended on their own stacks, and an
// exception unwinding the main stack then is one that ASan cannot follow.
int run_into(const Args& a, const ConfigDoc& doc, const Scenario& s, TraceFiles trace_files,
             const fs::path& dir, const std::string& shown, std::string& stopped) {
  write_file(dir / "config.resolved.yaml", doc.resolved_yaml());

  // Each trace file stops at output.trace_limit: the run stops there too, and says so.
  TraceRecorder trace;
  std::string full;
  auto open = [&](const char* file) {
    auto buf =
        std::make_unique<CappedFileBuf>((dir / file).string(), s.output.trace_limit, [&full, file] {
          if (full.empty()) full = file;
          sc_core::sc_stop();
        });
    if (!buf->is_open()) throw InputError("-o", "cannot write " + (dir / file).string());
    return buf;
  };
  std::unique_ptr<CappedFileBuf> text_buf, json_buf;
  std::ostream text_out(nullptr), json_out(nullptr);
  if (trace_files.text) {
    text_buf = open("trace.txt");
    text_out.rdbuf(text_buf.get());
    trace.add_sink(std::make_unique<TraceTextSink>(text_out));
  }
  if (trace_files.chrome) {
    json_buf = open("trace.json");
    json_out.rdbuf(json_buf.get());
    trace.add_sink(std::make_unique<TraceChromeSink>(json_out));
  }

  auto wall0 = std::chrono::steady_clock::now();
  Platform platform(s, trace);
  verify_check_names(s.checks, platform.stats());
  std::unique_ptr<ProgressLine> progress;
  if (ProgressLine::wanted(a.quiet)) {
    progress = std::make_unique<ProgressLine>(stderr, s.end_auto ? 0 : s.end,
                                              [&] { return platform.host().migration_progress(); });
    platform.on_progress([&](Ps now) { progress->tick(now); }, [&] { progress->finish(); });
  }
  Ps sim_time = platform.run();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!full.empty()) {
    stopped = InputError({doc.name(), 0, 0}, "output.trace_limit",
                         full + " reached the limit of " + human_bytes(s.output.trace_limit) +
                             " at " + human_time(platform.dispatcher().now()) +
                             " of simulated time; the run stopped there. Raise "
                             "output.trace_limit, trace less (--trace none) or end sooner")
                  .what();
    return 2;
  }

  StatsRegistry& stats = platform.stats();
  std::vector<std::string> failures = evaluate_checks(s.checks, stats);
  write_file(dir / "stats.json", stats.to_json(s.name, s.seed, sim_time).dump(1) + "\n");
  write_file(dir / "stats.txt", stats.table());
  if (!platform.host().rounds().empty())
    write_file(dir / "rounds.csv", rounds_csv(platform.host().rounds()));
  const std::string series = stats.timeseries().csv(sim_time);
  if (!series.empty()) write_file(dir / "timeseries.csv", series);
  if (stats.timeseries().truncated())
    std::cerr << "note: timeseries.csv stops at " << kMaxTimeseriesRows
              << " rows; raise output.timeseries_bucket to see the whole run\n";
  std::string summary = make_summary(s, stats, sim_time, failures);
  const auto& losses = platform.oracle().losses();
  for (size_t i = 0; i < losses.size() && i < 5; ++i)
    summary += "  lost page " + hex(losses[i].pa) + ": last written at " +
               human_time(losses[i].write_at) + ", " + losses[i].hazard + "\n";
  if (losses.size() > 5)
    summary += "  (" + std::to_string(losses.size() - 5) + " more lost pages)\n";
  write_file(dir / "summary.txt", summary);
  text_out.flush();
  json_out.flush();
  std::cout << summary;
  for (const std::string& f : failures) std::cerr << f << "\n";
  std::cerr << "ran " << platform.dispatcher().events_run() << " events in " << wall
            << " s of host time; outputs in " << shown << "\n";
  return failures.empty() && platform.failed_expectations() == 0 ? 0 : 1;
}

}  // namespace

int run(const Args& a) {
  need_args(a, 1, "one scenario file");
  ConfigDoc doc = load_doc(a);
  Scenario s = load_scenario(doc);
  if (s.has_sweep && !a.ignore_sweep)
    throw InputError("sweep", "this scenario holds a sweep: run it with `iommu-sim sweep`");
  TraceFiles trace_files = s.output.trace;
  if (!a.trace.empty()) {
    const std::vector<std::string> names = trace_files_names().names();
    if (std::find(names.begin(), names.end(), a.trace) == names.end())
      throw InputError("--trace", "expected text, chrome, both or none, got '" + a.trace + "'");
    trace_files = trace_files_names().value(a.trace);
  }
  const std::string target = a.outdir.empty() ? (fs::path("out") / s.name).string() : a.outdir;

  if (a.ignore_sweep) {  // a sweep's point: the sweep made the folder and owns it
    fs::path dir(target);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw InputError("-o", "cannot create " + target + ": " + ec.message());
    std::string stopped;
    const int rc = run_into(a, doc, s, trace_files, dir, target, stopped);
    if (!stopped.empty()) std::cerr << "error: " << stopped << "\n";
    return rc;
  }
  OutputDir out(target);
  try {
    std::string stopped;
    const int rc = run_into(a, doc, s, trace_files, out.dir(), target, stopped);
    if (!stopped.empty()) {
      const fs::path kept = out.fail(stopped);
      std::cerr << "error: " << stopped << "\nthe failed run's partial outputs are in "
                << kept.string() << "\n";
      return rc;
    }
    out.commit();
    return rc;
  } catch (const std::exception& e) {
    const fs::path kept = out.fail(e.what());
    std::cerr << "the failed run's partial outputs are in " << kept.string() << "\n";
    throw;
  }
}

int trace_diff(const Args& a) {
  need_args(a, 2, "two trace files");
  for (const std::string& f : a.positional) check_input_file(f, kTraceFile, "");
  std::ifstream fa(a.positional[0], std::ios::binary), fb(a.positional[1], std::ios::binary);
  if (!fa) throw InputError(a.positional[0], "cannot open");
  if (!fb) throw InputError(a.positional[1], "cannot open");
  TraceDiffOptions o;
  o.ignore_time = a.ignore_time;
  o.component = a.component;
  TraceDiffResult r = sim::trace_diff(fa, fb, o);
  if (!o.component.empty() && r.compared == 0)
    throw InputError("--component", "no line of component '" + o.component +
                                        "' in either trace (a component is the second word "
                                        "of a trace line)");
  std::cout << r.message << (r.message.empty() || r.message.back() == '\n' ? "" : "\n");
  return r.same ? 0 : 1;
}

}  // namespace sim::cli
