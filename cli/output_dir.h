#pragma once
// A run's output folder, made atomically. Outputs are written into a fresh
// `.NAME.partial-PID` beside the target; commit() puts it in place of the target (an
// earlier run there is replaced), fail() moves it to `TARGET.failed` with error.txt
// and takes the earlier run away, so no folder ever mixes two runs or looks complete
// when it is not. A target that exists and is a file, or a non-empty folder that is
// not an iommu-sim run (no config.resolved.yaml), is refused before anything runs.
#include <filesystem>
#include <string>

namespace sim::cli {

// Throws InputError("-o") when `dir` cannot be an output folder (empty, a file...).
// `replaceable`: a non-empty folder holding `marker` may be replaced.
std::filesystem::path check_output_target(const std::string& dir, const char* marker);

class OutputDir {
 public:
  explicit OutputDir(const std::string& target);
  ~OutputDir();  // neither committed nor failed: the partial folder is left, named so
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::filesystem::path& dir() const { return work_; }  // write here
  const std::filesystem::path& target() const { return target_; }
  void commit();
  // Returns where the partial outputs went.
  std::filesystem::path fail(const std::string& error);

 private:
  void remove_earlier_run();
  std::filesystem::path target_, work_;
  bool done_ = false;
};

}  // namespace sim::cli
