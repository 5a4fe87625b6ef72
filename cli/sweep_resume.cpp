// A sweep's output directory: plan, resume and collect (see sweep_resume.h).
#include "cli/sweep_resume.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli/sweep_backend.h"
#include "models/base/input_error.h"

namespace fs = std::filesystem;

namespace sim::cli {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The point's folder holds a run of another configuration (an earlier, different sweep).
bool other_config(const SweepPoint& p) {
  std::ifstream f(p.dir + "/config.resolved.yaml");
  return f && fingerprint(read_all(p.dir + "/config.resolved.yaml")) != p.config_hash;
}

}  // namespace

void prepare_outdir(const SweepPlan& plan) {
  std::error_code ec;
  // As `run`: a folder of an earlier sweep is taken over (resumed), any other non-empty
  // folder is refused untouched.
  if (fs::is_directory(plan.outdir, ec) && !fs::is_empty(plan.outdir, ec) &&
      !fs::exists(plan.outdir + "/" + kPlanFile, ec))
    throw InputError("-o " + plan.outdir, "holds files but no sweep (no " + std::string(kPlanFile) +
                                              "); remove them or choose another folder");
  fs::create_directories(plan.outdir, ec);
  if (ec) throw InputError("-o " + plan.outdir, "cannot create the directory: " + ec.message());
  const std::string probe = plan.outdir + "/.sweep-probe";
  if (!write_whole(probe, "probe\n"))
    throw InputError("-o " + plan.outdir, "the directory is not writable");
  fs::remove(probe, ec);
  for (const char* f : {"sweep.csv", "sweep.json", kPlanFile})
    fs::remove(plan.outdir + "/" + f, ec);
  std::set<std::string> ours;
  for (const SweepPoint& p : plan.points) ours.insert(point_name(p));
  static const std::regex point_dir("point-[0-9]+(-seed-[0-9]+)?");
  size_t stale = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(plan.outdir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && std::regex_match(name, point_dir) && !ours.count(name)) {
      fs::remove_all(e.path(), ec);
      ++stale;
    }
  }
  if (stale)
    std::cerr << "sweep: removed " << stale << " point folders of an earlier sweep that are not "
              << "points of this one\n";
}

void save_plan(const SweepPlan& plan) {
  nlohmann::ordered_json j;
  j["binary"] = plan.binary;
  j["scenario"] = plan.scenario;
  j["axes"] = nlohmann::ordered_json::array();
  for (const Axis& a : plan.axes) j["axes"].push_back({{"path", a.path}, {"values", a.values}});
  j["points"] = nlohmann::ordered_json::array();
  for (const SweepPoint& p : plan.points)
    j["points"].push_back({{"dir", point_name(p)},
                           {"seed", p.seed},
                           {"values", p.values},
                           {"args", p.args},
                           {"config_hash", p.config_hash}});
  if (!write_whole(plan.outdir + "/" + kPlanFile, j.dump(1) + "\n"))
    throw InputError("-o " + plan.outdir, std::string("cannot write ") + kPlanFile);
}

SweepPlan load_plan(const std::string& outdir) {
  const std::string dir = fs::absolute(outdir).lexically_normal().string();
  const std::string file = dir + "/" + kPlanFile;
  std::ifstream f(file);
  if (!f)
    throw InputError("--collect " + outdir, "holds no sweep (no " + std::string(kPlanFile) +
                                                "; `iommu-sim sweep` "
                                                "writes it before any point runs)");
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  SweepPlan plan;
  plan.outdir = dir;
  try {
    if (j.is_discarded()) throw std::runtime_error("not JSON");
    plan.binary = j.at("binary").get<std::string>();
    plan.scenario = j.at("scenario").get<std::string>();
    for (const auto& a : j.at("axes"))
      plan.axes.push_back(
          {a.at("path").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
    for (const auto& jp : j.at("points")) {
      SweepPoint p;
      p.dir = dir + "/" + jp.at("dir").get<std::string>();
      p.seed = jp.at("seed").get<uint64_t>();
      p.values = jp.at("values").get<std::vector<std::string>>();
      p.args = jp.at("args").get<std::vector<std::string>>();
      p.config_hash = jp.at("config_hash").get<uint64_t>();
      if (p.values.size() != plan.axes.size())
        throw std::runtime_error("a point without its values");
      plan.points.push_back(std::move(p));
    }
  } catch (const std::exception& e) {
    throw InputError(file, std::string("not a sweep plan: ") + e.what());
  }
  return plan;
}

std::vector<size_t> points_to_run(const SweepPlan& plan) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.points.size(); ++i) {
    const SweepPoint& p = plan.points[i];
    const int code = read_exit_code(p.dir);
    const bool finished = (code == 0 || code == 1) && fs::exists(p.dir + "/stats.json") &&
                          fs::exists(p.dir + "/config.resolved.yaml") && !other_config(p);
    if (finished) continue;
    std::error_code ec;
    fs::remove_all(p.dir, ec);
    if (ec) throw InputError("-o " + plan.outdir, "cannot empty " + p.dir + ": " + ec.message());
    todo.push_back(i);
  }
  return todo;
}

int collect(SweepPlan& plan) {
  std::vector<std::string> missing;
  bool all_held = true;
  for (SweepPoint& p : plan.points) {
    p.exit_code = other_config(p) ? -1 : read_exit_code(p.dir);
    p.error.clear();
    if (p.exit_code == -1) {
      p.error = "missing: not run or killed before it ended";
      missing.push_back(point_name(p));
    } else if (p.exit_code != 0) {
      p.error = last_error_line(p.dir);
      if (p.error.empty() && p.exit_code > 128)
        p.error = "killed by signal " + std::to_string(p.exit_code - 128);
    }
    all_held &= p.exit_code == 0;
  }
  std::cout << write_reports(plan.axes, plan.points, plan.outdir);
  if (!missing.empty()) {
    std::cerr << "sweep: " << missing.size() << " of " << plan.points.size() << " runs missing:";
    for (size_t i = 0; i < missing.size() && i < 10; ++i) std::cerr << " " << missing[i];
    if (missing.size() > 10) std::cerr << " (and " << missing.size() - 10 << " more)";
    std::cerr << "; the same sweep command again runs only what is missing\n";
  }
  std::cerr << "sweep: " << plan.points.size() << " runs; sweep.csv and sweep.json in "
            << plan.outdir << "\n";
  return all_held ? 0 : 1;
}

}  // namespace sim::cli
