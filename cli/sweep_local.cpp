// The local backend: each point a child process of this one, -j at once.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli/sweep_backend.h"
#include "models/base/input_error.h"

extern char** environ;

namespace sim::cli {

namespace {

pid_t spawn(const std::string& binary, const SweepPoint& p) {
  std::error_code ec;
  std::filesystem::create_directories(p.dir, ec);
  if (ec) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (p.dir + "/stdout.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (p.dir + "/stderr.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>("iommu-sim"));
  for (const std::string& s : p.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

class LocalBackend : public SweepBackend {
 public:
  void check(const BackendOptions& o) const override {
    if (!o.sbatch_args.empty())
      throw InputError("--sbatch-arg", "only the slurm backend takes it (--backend slurm)");
    if (o.no_wait)
      throw InputError("--no-wait",
                       "the local backend runs the points itself; a queue that "
                       "runs them later is --backend slurm");
  }

  bool run(const SweepPlan& plan, const std::vector<size_t>& todo,
           const BackendOptions& o) override {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);  // keep the points' stderr to the point
    const size_t jobs = o.jobs ? o.jobs : 1;
    Progress progress(todo.size());
    std::map<pid_t, size_t> running;
    size_t next = 0, done = 0, failed = 0;
    while (next < todo.size() || !running.empty()) {
      while (next < todo.size() && running.size() < jobs) {
        const SweepPoint& p = plan.points[todo[next++]];
        pid_t pid = spawn(plan.binary, p);
        if (pid < 0) {
          write_whole(p.dir + "/stderr.txt",
                      "could not start " + plan.binary + " in " + p.dir + "\n");
          write_whole(p.dir + "/exit_code", "127\n");
          ++failed;
        } else {
          running[pid] = todo[next - 1];
        }
      }
      progress.show(todo.size() - next, running.size(), done, failed);
      if (running.empty()) continue;
      int status = 0;
      pid_t ended = waitpid(-1, &status, 0);
      auto it = running.find(ended);
      if (it == running.end()) continue;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      write_whole(plan.points[it->second].dir + "/exit_code", std::to_string(code) + "\n");
      ++(code == 0 ? done : failed);
      running.erase(it);
    }
    progress.show(0, 0, done, failed);
    progress.finish();
    return true;
  }
};

const BackendRegistration kLocal("local",
                                 [] { return std::unique_ptr<SweepBackend>(new LocalBackend); });

}  // namespace

}  // namespace sim::cli
