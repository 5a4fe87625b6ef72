#pragma once
// "did you mean ...?" for unknown keys, values and references.
#include <string>
#include <string_view>
#include <vector>

namespace sim {

// The closest candidate (edit distance with transpositions <= 2, or a prefix
// either way), or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string hint(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sim
