#pragma once
// What a scenario's YAML may be, checked on the raw text and on the parser's event
// stream before yaml-cpp builds its node graph (whose walkers follow aliases, so a
// recursive alias would loop and an alias tree would expand exponentially):
//   - UTF-8 without NUL bytes (a BOM is allowed);
//   - one document; plain keys (no map or list as a key); no explicit tags;
//   - nesting at most kMaxYamlDepth deep, counting what aliases expand to;
//   - at most kMaxYamlNodes nodes with every alias expanded (each anchored node is
//     measured once, when it ends, so the check itself is linear in the text);
//   - no alias inside the node its anchor names (a cycle).
// Each is an InputError at the offending line and column.
#include <cstddef>
#include <string>
#include <string_view>

namespace sim {

inline constexpr int kMaxYamlDepth = 64;
inline constexpr size_t kMaxYamlNodes = 1'000'000;

// `file` names the text in messages.
void check_yaml_text(std::string_view text, const std::string& file);

}  // namespace sim
