#include "platform/checks.h"

#include <cmath>

#include <cstdio>

#include "models/base/did_you_mean.h"
#include "models/config/config.h"

namespace sim {

namespace {
// Each comparison a check may make, under its key.
const struct {
  const char* name;
  bool (*holds)(double x, double value);
} kOps[] = {{"eq", [](double x, double v) { return x == v; }},
            {"ne", [](double x, double v) { return x != v; }},
            {"lt", [](double x, double v) { return x < v; }},
            {"le", [](double x, double v) { return x <= v; }},
            {"gt", [](double x, double v) { return x > v; }},
            {"ge", [](double x, double v) { return x >= v; }}};

double as_double(const StatValue& v) {
  return std::holds_alternative<int64_t>(v) ? double(std::get<int64_t>(v)) : std::get<double>(v);
}

std::string show(const StatValue& v) {
  if (std::holds_alternative<int64_t>(v)) return std::to_string(std::get<int64_t>(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", std::get<double>(v));
  return buf;
}
}  // namespace

std::vector<Check> load_checks(ConfigReader& root) {
  std::vector<Check> out;
  for (ConfigReader c : root.list("checks")) {
    Check k;
    k.mark = c.mark("stat");
    k.stat = c.text("stat");
    int n = 0;
    for (const auto& [op, holds] : kOps) {
      if (!c.has(op)) continue;
      ++n;
      k.op = op;
      k.holds = holds;
      k.value_text = c.text(op);
      char* end = nullptr;
      k.value = std::strtod(k.value_text.c_str(), &end);
      if (k.value_text.empty() || *end != '\0' || !std::isfinite(k.value))
        c.fail(op, "expected a finite number, got '" + k.value_text + "'");
    }
    if (n != 1) c.fail("stat", "a check needs exactly one of eq, ne, lt, le, gt, ge");
    out.push_back(std::move(k));
  }
  return out;
}

void verify_check_names(const std::vector<Check>& checks, const StatsRegistry& stats) {
  for (const Check& c : checks) {
    if (stats.get(c.stat)) continue;
    std::string msg = "no statistic named '" + c.stat + "'";
    msg += hint(c.stat, stats.names());
    throw InputError(c.mark, "checks.stat", msg);
  }
}

std::vector<std::string> evaluate_checks(const std::vector<Check>& checks,
                                         const StatsRegistry& stats) {
  std::vector<std::string> failures;
  for (const Check& c : checks) {
    StatValue v = *stats.get(c.stat);
    const double x = as_double(v);
    if (!c.holds(x, c.value))
      failures.push_back(c.mark.file + ":" + std::to_string(c.mark.line) + ": check failed: " +
                         c.stat + " = " + show(v) + ", expected " + c.op + " " + c.value_text);
  }
  return failures;
}

}  // namespace sim
