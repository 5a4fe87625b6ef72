#include "pcie/replay_trace.h"

#include <fstream>
#include <sstream>

#include "models/base/input_error.h"
#include "models/base/input_file.h"

namespace sim {

std::vector<ReplayRequest> parse_replay(const std::string& text, const std::string& file) {
  std::vector<ReplayRequest> out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  Ps last = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string body = line.substr(0, line.find('#'));
    std::vector<std::pair<std::string, int>> words;  // text, 1-based column
    for (size_t i = 0; i < body.size();) {
      while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r')) ++i;
      size_t j = i;
      while (j < body.size() && body[j] != ' ' && body[j] != '\t' && body[j] != '\r') ++j;
      if (j > i) words.push_back({body.substr(i, j - i), int(i) + 1});
      i = j;
    }
    if (words.empty()) continue;
    auto fail = [&](int col, const std::string& what) {
      throw InputError({file, lineno, col}, "replay", what);
    };
    if (words.size() != 4)
      fail(words[0].second,
           "expected TIME OP IOVA SIZE, got " + std::to_string(words.size()) + " fields");
    ParseResult t = parse_time_ps(words[0].first);
    if (!t.ok()) fail(words[0].second, t.error);
    if (t.value < last) fail(words[0].second, "times must not go backwards");
    last = t.value;
    if (words[1].first != "read" && words[1].first != "write")
      fail(words[1].second, "expected read or write, got '" + words[1].first + "'");
    ParseResult a = parse_address(words[2].first);
    if (!a.ok()) fail(words[2].second, a.error);
    ParseResult s = parse_size(words[3].first);
    if (!s.ok()) fail(words[3].second, s.error);
    if (s.value == 0 || a.value + s.value < a.value)
      fail(words[3].second, "expected a size above 0 that does not wrap");
    out.push_back({t.value, words[1].first == "write", a.value, s.value});
  }
  return out;
}

std::vector<ReplayRequest> load_replay(const std::string& path) {
  return parse_replay(read_input_file(path, kReplayFile, "replay"), path);
}

}  // namespace sim
