#include "models/base/did_you_mean.h"

#include <algorithm>

namespace sim {

namespace {
// Optimal string alignment distance.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}
}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = 3;
  for (const std::string& c : candidates) {
    if (c == word) continue;
    size_t d = distance(word, c);
    bool prefix = word.size() >= 3 && c.size() >= 3 &&
                  (c.rfind(word, 0) == 0 || std::string_view(word).rfind(c, 0) == 0);
    if (prefix && d > 2) d = 2;
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string hint(std::string_view word, const std::vector<std::string>& candidates) {
  std::string h = did_you_mean(word, candidates);
  return h.empty() ? "" : " (did you mean '" + h + "'?)";
}

}  // namespace sim
