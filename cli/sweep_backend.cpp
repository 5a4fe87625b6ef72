// The backend registry, and what every backend shares: reading a point's end from its
// folder and showing progress.
#include "cli/sweep_backend.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "models/base/input_error.h"

namespace sim::cli {

namespace {
std::map<std::string, BackendFactory>& registry() {
  static std::map<std::string, BackendFactory> r;
  return r;
}
}  // namespace

BackendRegistration::BackendRegistration(const char* name, BackendFactory make) {
  registry()[name] = make;
}

std::unique_ptr<SweepBackend> make_backend(const std::string& name) {
  auto it = registry().find(name);
  if (it != registry().end()) return it->second();
  std::string known;
  for (const auto& [n, f] : registry()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("--backend " + name, "no such backend (known: " + known + ")");
}

int read_exit_code(const std::string& point_dir) {
  std::ifstream f(point_dir + "/exit_code");
  int code = -1;
  if (!(f >> code) || code < 0) return -1;
  return code;
}

// The line of a failed point's stderr that says why: its "error:" or "internal error"
// line (a SystemC report goes on with "In process: ..."), else the last line.
std::string last_error_line(const std::string& point_dir) {
  std::ifstream f(point_dir + "/stderr.txt");
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

Progress::Progress(size_t total) : total_(total), tty_(isatty(2)) {}

void Progress::show(size_t pending, size_t running, size_t done, size_t failed) {
  const std::string line = "sweep: " + std::to_string(pending) + " pending, " +
                           std::to_string(running) + " running, " + std::to_string(done) +
                           " done, " + std::to_string(failed) + " failed (of " +
                           std::to_string(total_) + ")";
  if (line == last_) return;
  last_ = line;
  if (tty_)
    std::cerr << "\r" << line << "\x1b[K" << std::flush;
  else
    std::cerr << line << "\n";
}

void Progress::finish() {
  if (tty_ && !last_.empty()) std::cerr << "\n";
}

}  // namespace sim::cli
