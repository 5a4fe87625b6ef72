// The slurm backend: the points still to run become the tasks of one `sbatch --array`
// job (-j J: at most J at once). A task runs its point from a generated batch script
// and writes the exit code beside the outputs; the submitter follows the queue and the
// points' folders until no task is left. --no-wait also queues a collect job
// (afterany: a failed task cannot strand it) and returns.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/sweep_backend.h"
#include "cli/sweep_resume.h"
#include "models/base/input_error.h"

extern char** environ;

namespace fs = std::filesystem;

namespace sim::cli {

namespace {

std::string on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string d;
  while (std::getline(dirs, d, ':'))
    if (!d.empty() && access((d + "/" + tool).c_str(), X_OK) == 0) return d + "/" + tool;
  return {};
}

// Runs a Slurm client to its end; its stdout and stderr (through files in `scratch`).
struct Ran {
  int code = -1;
  std::string out, err;
};
Ran run_tool(const std::vector<std::string>& args, const std::string& scratch) {
  const std::string out = scratch + "/.slurm-out", err = scratch + "/.slurm-err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  Ran r;
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0].c_str(), &fa, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&fa);
  auto slurp = [](const std::string& f) {
    std::ifstream in(f);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  std::error_code ec;
  fs::remove(out, ec);
  fs::remove(err, ec);
  while (!r.err.empty() && r.err.back() == '\n') r.err.pop_back();
  return r;
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Array task i runs point todo[i]. A task that cannot see the plan is on a node that
// does not share the output directory: it says so and leaves no exit code.
std::string batch_script(const SweepPlan& plan, const std::vector<size_t>& todo) {
  std::string s =
      "#!/bin/bash\n"
      "# Written by `iommu-sim sweep --backend slurm`: array task i runs the i-th point\n"
      "# still to run and leaves its exit code beside its outputs.\n"
      "export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1\n"
      "case \"${SLURM_ARRAY_TASK_ID:?not an array task}\" in\n";
  for (size_t i = 0; i < todo.size(); ++i) {
    const SweepPoint& p = plan.points[todo[i]];
    s += "  ";
    s += std::to_string(i);
    s += ") d=";
    s += quoted(p.dir);
    s += "; set --";
    for (const std::string& a : p.args) {
      s += ' ';
      s += quoted(a);
    }
    s += " ;;\n";
  }
  s +=
      "  *) echo \"iommu-sim sweep: no point for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n"
      "esac\n"
      "if [ ! -f " +
      quoted(plan.outdir + "/" + kPlanFile) +
      " ]; then\n"
      "  echo \"iommu-sim sweep: $(hostname) does not see " +
      plan.outdir +
      ": the output directory must be on a filesystem the compute nodes share\" >&2\n"
      "  exit 2\n"
      "fi\n"
      "mkdir -p \"$d\" || exit 2\n" +
      quoted(plan.binary) +
      " \"$@\" >\"$d/stdout.txt\" 2>\"$d/stderr.txt\"\n"
      "rc=$?\n"
      "echo \"$rc\" >\"$d/exit_code.tmp\" && mv -f \"$d/exit_code.tmp\" \"$d/exit_code\"\n"
      "exit \"$rc\"\n";
  return s;
}

// "1234" or "1234;cluster" from sbatch --parsable.
std::string job_id(const std::string& out) {
  std::string id = out.substr(0, out.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return {};
  return id;
}

class SlurmBackend : public SweepBackend {
 public:
  void check(const BackendOptions&) const override {
    for (const char* tool : {"sbatch", "squeue", "scancel"})
      if (on_path(tool).empty())
        throw InputError("--backend slurm", std::string(tool) +
                                                " is not on the PATH: run the sweep on a machine "
                                                "that submits to the cluster (a login node)");
  }

  bool run(const SweepPlan& plan, const std::vector<size_t>& todo,
           const BackendOptions& o) override {
    const std::string script = plan.outdir + "/sweep.sbatch", logs = plan.outdir + "/slurm";
    std::error_code ec;
    fs::create_directories(logs, ec);
    if (!write_whole(script, batch_script(plan, todo)))
      throw InputError("-o " + plan.outdir, "cannot write " + script);
    std::string array = "--array=0-" + std::to_string(todo.size() - 1);
    if (o.jobs) array += '%' + std::to_string(o.jobs);
    std::vector<std::string> cmd = {"sbatch", "--parsable", array, "--job-name=iommu-sim-sweep",
                                    "--output=" + logs + "/task-%A_%a.out"};
    cmd.insert(cmd.end(), o.sbatch_args.begin(), o.sbatch_args.end());
    cmd.push_back(script);
    Ran r = run_tool(cmd, plan.outdir);
    const std::string job = job_id(r.out);
    if (r.code != 0 || job.empty()) {
      // Nothing was queued: no sweep here (the points' folders were never made).
      for (const std::string& f : {script, plan.outdir + "/" + kPlanFile, logs}) fs::remove(f, ec);
      throw InputError("--backend slurm", "the cluster did not take the job (sbatch exit " +
                                              std::to_string(r.code) + "): " + r.err);
    }
    std::cerr << "sweep: array job " << job << " queued: " << todo.size() << " tasks"
              << (o.jobs ? ", at most " + std::to_string(o.jobs) + " at once" : "") << "\n";
    if (o.no_wait) {
      queue_collect(plan, job, o);
      return false;
    }
    follow(plan, todo, job);
    return true;
  }

 private:
  void queue_collect(const SweepPlan& plan, const std::string& job, const BackendOptions& o) {
    std::vector<std::string> cmd = {"sbatch", "--parsable", "--dependency=afterany:" + job,
                                    "--job-name=iommu-sim-collect",
                                    "--output=" + plan.outdir + "/collect.log"};
    cmd.insert(cmd.end(), o.sbatch_args.begin(), o.sbatch_args.end());
    cmd.push_back("--wrap=SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " + quoted(plan.binary) +
                  " sweep --collect " + quoted(plan.outdir));
    Ran r = run_tool(cmd, plan.outdir);
    const std::string collect = job_id(r.out);
    if (r.code != 0 || collect.empty()) {
      run_tool({"scancel", job}, plan.outdir);
      throw InputError("--no-wait", "the cluster did not take the collect job (sbatch exit " +
                                        std::to_string(r.code) + "): " + r.err + "; array job " +
                                        job + " was cancelled");
    }
    std::cerr << "sweep: collect job " << collect << " writes " << plan.outdir
              << "/sweep.csv when every task has ended (its table: " << plan.outdir
              << "/collect.log); watch with: squeue -j " << job << "," << collect << "\n";
  }

  // Polls the queue (quickly at first, then every few seconds) until no task is left.
  void follow(const SweepPlan& plan, const std::vector<size_t>& todo, const std::string& job) {
    Progress progress(todo.size());
    auto wait = std::chrono::milliseconds(200);
    int errors = 0;
    for (;;) {
      Ran q = run_tool({"squeue", "-h", "-r", "-j", job, "-o", "%T"}, plan.outdir);
      if (q.code != 0 && q.err.find("Invalid job id") == std::string::npos) {
        if (++errors == 30) {
          progress.finish();
          throw InputError("--backend slurm", "squeue keeps failing (" + q.err + "); job " + job +
                                                  " may still run: `iommu-sim sweep --collect " +
                                                  plan.outdir + "` reports it later");
        }
      } else {
        errors = 0;
        size_t pending = 0, queued = 0;
        std::istringstream lines(q.code == 0 ? q.out : "");
        for (std::string state; std::getline(lines, state);) {
          if (state.empty()) continue;
          ++queued;
          pending += state == "PENDING";
        }
        size_t done = 0, failed = 0;
        for (size_t i : todo) {
          const int code = read_exit_code(plan.points[i].dir);
          if (code == 0)
            ++done;
          else if (code > 0)
            ++failed;
        }
        progress.show(pending, queued - pending, done, failed);
        if (queued == 0) break;
      }
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 3 / 2, std::chrono::milliseconds(5000));
    }
    progress.finish();
    // No task left a trace: the nodes do not share (or cannot write) the directory.
    for (size_t i : todo)
      if (read_exit_code(plan.points[i].dir) >= 0 || fs::exists(plan.points[i].dir + "/stderr.txt"))
        return;
    throw InputError(
        "-o " + plan.outdir,
        "no task of job " + job +
            " wrote into the output directory: it must be on "
            "a filesystem the compute nodes share and can write (the tasks' Slurm logs: " +
            plan.outdir + "/slurm/)");
  }
};

const BackendRegistration kSlurm("slurm",
                                 [] { return std::unique_ptr<SweepBackend>(new SlurmBackend); });

}  // namespace

}  // namespace sim::cli
