#include "cli/output_dir.h"

#include <unistd.h>

#include <fstream>

#include "models/base/input_error.h"

namespace fs = std::filesystem;

namespace sim::cli {

namespace {
constexpr const char* kRunMarker = "config.resolved.yaml";

fs::path sibling(const fs::path& target, const std::string& suffix, bool hidden) {
  return target.parent_path() / ((hidden ? "." : "") + target.filename().string() + suffix);
}
}  // namespace

fs::path check_output_target(const std::string& dir, const char* marker) {
  if (dir.empty()) throw InputError("-o", "expected a folder name, got ''");
  fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "out/x/" -> "out/x"
  if (p == p.root_path() || p.filename() == "." || p.filename() == "..")
    throw InputError("-o", "expected a folder to create or replace, got '" + dir + "'");
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw InputError("-o", dir + " is not a folder");
    if (!fs::is_empty(p, ec) && !fs::exists(p / marker))
      throw InputError("-o", dir + " is not empty and holds no iommu-sim output (no " + marker +
                                 "); give a new or empty folder");
  }
  return p;
}

OutputDir::OutputDir(const std::string& target) : target_(check_output_target(target, kRunMarker)) {
  std::error_code ec;
  fs::create_directories(target_.parent_path(), ec);
  if (ec)
    throw InputError("-o", "cannot create " + target_.parent_path().string() + ": " + ec.message());
  work_ = sibling(target_, ".partial-" + std::to_string(::getpid()), true);
  fs::remove_all(work_, ec);
  if (!fs::create_directory(work_, ec) || ec)
    throw InputError("-o", "cannot create " + work_.string() + ": " + ec.message());
}

OutputDir::~OutputDir() = default;

void OutputDir::remove_earlier_run() {
  std::error_code ec;
  if (!fs::exists(target_, ec)) return;
  const fs::path old = sibling(target_, ".old-" + std::to_string(::getpid()), true);
  fs::rename(target_, old, ec);
  if (ec) throw InputError("-o", "cannot move the earlier run away from " + target_.string());
  fs::remove_all(old, ec);
}

void OutputDir::commit() {
  remove_earlier_run();
  std::error_code ec;
  fs::rename(work_, target_, ec);
  if (ec) throw InputError("-o", "cannot rename " + work_.string() + ": " + ec.message());
  fs::remove_all(sibling(target_, ".failed", false), ec);  // an older failure is stale now
  done_ = true;
}

fs::path OutputDir::fail(const std::string& error) {
  std::error_code ec;
  std::ofstream(work_ / "error.txt") << error << "\n";
  const fs::path failed = sibling(target_, ".failed", false);
  fs::remove_all(failed, ec);
  fs::rename(work_, failed, ec);
  try {
    remove_earlier_run();
  } catch (const InputError&) {  // the failure is what gets reported
  }
  done_ = true;
  return ec ? work_ : failed;
}

}  // namespace sim::cli
