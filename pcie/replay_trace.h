#pragma once
// A request trace for `pattern: replay`: one DMA per line, "TIME OP IOVA SIZE"
// (e.g. "1.5us write 0x10000 4KiB"), times non-decreasing, '#' starts a comment.
#include <cstdint>
#include <string>
#include <vector>

#include "models/base/units.h"

namespace sim {

struct ReplayRequest {
  Ps at;
  bool write;
  uint64_t iova, size;
};

// Parses `text`; a bad line throws InputError naming `file`:line:column.
std::vector<ReplayRequest> parse_replay(const std::string& text, const std::string& file);
// Reads and parses a file; a missing file throws InputError at `mark_file`.
std::vector<ReplayRequest> load_replay(const std::string& path);

}  // namespace sim
