// Fuzz target: any text is a scenario or a clean InputError, never a crash, and a
// scenario that loads re-loads from its own config.resolved.yaml to the same text.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "platform/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string resolved;
  try {
    sim::ConfigDoc doc = sim::ConfigDoc::from_string(text, "fuzz.yaml");
    sim::load_scenario(doc);
    resolved = doc.resolved_yaml();
  } catch (const sim::InputError&) {
    return 0;  // a clean answer
  }
  sim::ConfigDoc again = sim::ConfigDoc::from_string(resolved, "resolved.yaml");
  sim::load_scenario(again);
  if (again.resolved_yaml() != resolved) throw std::logic_error("resolved config is not stable");
  return 0;
}
