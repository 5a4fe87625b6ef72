#pragma once
// The command line: which flags each subcommand takes, its own --help, and flag
// values checked as they are read (a number is a number in range, never wrapped).
#include "cli/commands.h"

namespace sim::cli {

using Command = int (*)(const Args&);

// Fills `fn` (the subcommand) and `a`; returns -1 to go on, else the exit code (help: 0, bad: 2),
// having printed the usage or the error.
int parse_command_line(int argc, char** argv, Command& fn, Args& a);

// A sweep of more runs than this needs --yes; more than kMaxSweepRuns is refused.
inline constexpr uint64_t kSweepConfirmRuns = 1000;
inline constexpr uint64_t kMaxSweepRuns = 1'000'000;

}  // namespace sim::cli
