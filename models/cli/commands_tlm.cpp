// run / validate / trace-diff.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "models/cli/commands.h"
#include "models/cli/progress.h"
#include "models/platform/platform_tlm.h"
#include "models/platform/rounds_csv.h"
#include "models/platform/summary.h"
#include "models/trace_chrome_sink.h"
#include "models/trace_diff.h"
#include "models/trace_text_sink.h"

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

int run(const Args& a) {
  need_args(a, 1, "one scenario file");
  ConfigDoc doc = load_doc(a);
  Scenario s = load_scenario(doc);
  if (s.has_sweep && !a.ignore_sweep)
    throw InputError("sweep", "this scenario holds a sweep: run it with `iommu-sim sweep`");
  std::string trace_kind = a.trace.empty() ? s.output.trace : a.trace;
  if (trace_kind != "text" && trace_kind != "chrome" && trace_kind != "both" &&
      trace_kind != "none")
    throw InputError("--trace", "expected text, chrome, both or none, got '" + trace_kind + "'");

  fs::path out = a.outdir.empty() ? fs::path("out") / s.name : fs::path(a.outdir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw InputError("-o", "cannot create " + out.string() + ": " + ec.message());
  write_file(out / "config.resolved.yaml", doc.resolved_yaml());

  TraceRecorder trace;
  std::ofstream text_out, json_out;
  if (trace_kind == "text" || trace_kind == "both") {
    text_out.open(out / "trace.txt", std::ios::binary);
    trace.add_sink(std::make_unique<TraceTextSink>(text_out));
  }
  if (trace_kind == "chrome" || trace_kind == "both") {
    json_out.open(out / "trace.json", std::ios::binary);
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

  StatsRegistry& stats = platform.stats();
  std::vector<std::string> failures = evaluate_checks(s.checks, stats);
  write_file(out / "stats.json", stats.to_json(s.name, s.seed, sim_time).dump(1) + "\n");
  write_file(out / "stats.txt", stats.table());
  if (!platform.host().rounds().empty())
    write_file(out / "rounds.csv", rounds_csv(platform.host().rounds()));
  const std::string series = stats.timeseries().csv(sim_time);
  if (!series.empty()) write_file(out / "timeseries.csv", series);
  std::string summary = make_summary(s, stats, sim_time, failures);
  const auto& losses = platform.oracle().losses();
  for (size_t i = 0; i < losses.size() && i < 5; ++i)
    summary += "  lost page " + hex(losses[i].pa) + ": last written at " +
               human_time(losses[i].write_at) + ", " + losses[i].hazard + "\n";
  if (losses.size() > 5)
    summary += "  (" + std::to_string(losses.size() - 5) + " more lost pages)\n";
  write_file(out / "summary.txt", summary);
  std::cout << summary;
  for (const std::string& f : failures) std::cerr << f << "\n";
  std::cerr << "ran " << platform.dispatcher().events_run() << " events in " << wall
            << " s of host time; outputs in " << out.string() << "\n";
  return failures.empty() && platform.failed_expectations() == 0 ? 0 : 1;
}

int trace_diff(const Args& a) {
  need_args(a, 2, "two trace files");
  std::ifstream fa(a.positional[0], std::ios::binary), fb(a.positional[1], std::ios::binary);
  if (!fa) throw InputError(a.positional[0], "cannot open");
  if (!fb) throw InputError(a.positional[1], "cannot open");
  TraceDiffOptions o;
  o.ignore_time = a.ignore_time;
  o.component = a.component;
  TraceDiffResult r = sim::trace_diff(fa, fb, o);
  std::cout << r.message << (r.message.empty() || r.message.back() == '\n' ? "" : "\n");
  return r.same ? 0 : 1;
}

}  // namespace sim::cli
