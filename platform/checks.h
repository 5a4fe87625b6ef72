#pragma once
// `checks:` — assertions on end-of-run statistics, evaluated by the platform (which
// sees ground truth, unlike host software).
#include <string>
#include <vector>

#include "models/base/input_error.h"
#include "models/report/stats.h"

namespace sim {

class ConfigReader;

struct Check {
  std::string stat;
  std::string op;                                   // eq ne lt le gt ge
  bool (*holds)(double x, double value) = nullptr;  // op's comparison
  double value = 0;
  std::string value_text;
  SourceMark mark;
};

std::vector<Check> load_checks(ConfigReader& root);
// Throws InputError for a check naming a statistic the model does not have.
void verify_check_names(const std::vector<Check>& checks, const StatsRegistry& stats);
// Failures, one line each ("file:line: check failed: ..."); empty when all hold.
std::vector<std::string> evaluate_checks(const std::vector<Check>& checks,
                                         const StatsRegistry& stats);

}  // namespace sim
