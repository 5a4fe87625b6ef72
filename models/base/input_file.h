#pragma once
// The one rule for every file iommu-sim reads (a scenario, a replay trace, a trace
// given to trace-diff): it must be a regular file (after symlinks) no larger than a
// limit named in the error. Devices (/dev/zero), FIFOs and folders are refused before
// a byte is read, and a file that grows while it is read is cut at the limit.
#include <cstdint>
#include <string>

namespace sim {

struct InputFileKind {
  const char* what;  // "scenario file": used in messages
  uint64_t limit;    // bytes
};

inline constexpr InputFileKind kScenarioFile{"scenario file", 16ull << 20};
inline constexpr InputFileKind kReplayFile{"request trace", 256ull << 20};
inline constexpr InputFileKind kTraceFile{"trace file", 4ull << 30};

// Throws InputError (file, key) unless `path` is a readable regular file within the
// limit. `key` names what asked for it ("" for a scenario, "replay", ...).
void check_input_file(const std::string& path, const InputFileKind& kind, const std::string& key);
// check_input_file, then the whole text (never more than the limit).
std::string read_input_file(const std::string& path, const InputFileKind& kind,
                            const std::string& key);
// "16 MiB"
std::string human_bytes(uint64_t bytes);

}  // namespace sim
