#pragma once
// Where a sweep's points run: a backend takes the points of a plan still to run and
// returns once they all ended (or, --no-wait, once they are queued). Each point leaves
// stdout.txt, stderr.txt and `exit_code` in its folder, whichever backend ran it, so one
// collect (sweep_resume.h) reads them all the same way. Backends register their name
// once, beside their code.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "cli/sweep.h"

namespace sim::cli {

struct BackendOptions {
  unsigned jobs = 0;  // points at once; 0: the backend's default
  std::vector<std::string> sbatch_args;
  bool no_wait = false;
};

class SweepBackend {
 public:
  virtual ~SweepBackend() = default;
  // Before anything is written: options this backend does not take, tools it lacks.
  virtual void check(const BackendOptions& o) const = 0;
  // Runs plan.points[i] for each i in `todo` (their folders do not exist). Returns false
  // when it only queued them (--no-wait): the reports come from a later collect.
  virtual bool run(const SweepPlan& plan, const std::vector<size_t>& todo,
                   const BackendOptions& o) = 0;
};

using BackendFactory = std::unique_ptr<SweepBackend> (*)();

struct BackendRegistration {
  BackendRegistration(const char* name, BackendFactory make);
};
// The backend named `name`; InputError naming --backend and the known names otherwise.
std::unique_ptr<SweepBackend> make_backend(const std::string& name);

// A point's end as its folder tells it: the exit code its runner wrote, or -1.
int read_exit_code(const std::string& point_dir);
// The last stderr line that says something (not the "ran N events" line).
std::string last_error_line(const std::string& point_dir);

// Tasks pending / running / done / failed, on stderr: one line rewritten in place on a
// terminal, a line per change otherwise.
class Progress {
 public:
  explicit Progress(size_t total);
  void show(size_t pending, size_t running, size_t done, size_t failed);
  void finish();

 private:
  size_t total_;
  bool tty_;
  std::string last_;
};

}  // namespace sim::cli
