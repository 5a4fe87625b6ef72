#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>

namespace sim::cli {

namespace {
constexpr auto kRefresh = std::chrono::milliseconds(250);

std::string clock_text(double s) {
  char b[32];
  const long t = long(s + 0.5);
  if (t >= 3600)
    std::snprintf(b, sizeof b, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
  else if (t >= 60)
    std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(b, sizeof b, "%lds", t);
  return b;
}
}  // namespace

ProgressLine::ProgressLine(std::FILE* out, Ps end, std::function<MigrationProgress()> migration)
    : out_(out),
      end_(end),
      migration_(std::move(migration)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

bool ProgressLine::wanted(bool quiet) {
  return !quiet && isatty(STDERR_FILENO);
}

std::string ProgressLine::line(Ps now, Ps end, const MigrationProgress& m, double host_s) {
  char b[160];
  std::string s = "sim " + human_time(now);
  if (end > 0) {
    const double share = double(now) / double(end);
    std::snprintf(b, sizeof b, " of %s (%.1f%%)", human_time(end).c_str(), 100 * share);
    s += b;
  }
  if (m.active) {
    std::snprintf(b, sizeof b, " | migration round %u, %llu pages left", m.round,
                  (unsigned long long)m.pages_left);
    s += b;
  }
  s += " | host " + clock_text(host_s);
  if (end > 0 && now > 0 && now >= end / 100) {  // before 1%, set-up time skews it
    // Host time per simulated time so far, applied to what is left of sim.end.
    const double left = host_s * double(end - std::min(now, end)) / double(now);
    s += ", ~" + clock_text(left) + " left";
  }
  return s;
}

void ProgressLine::look(Ps now) {
  const auto t = std::chrono::steady_clock::now();
  if (t - last_ < kRefresh) return;
  last_ = t;
  const double host_s = std::chrono::duration<double>(t - start_).count();
  // \r back to the line's start, \033[K erases what a longer line left.
  std::fprintf(out_, "\r%s\033[K",
               line(now, end_, migration_ ? migration_() : MigrationProgress{}, host_s).c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::finish() {
  if (!shown_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

}  // namespace sim::cli
