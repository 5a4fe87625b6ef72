// Fuzz target: any request trace text parses or gives an InputError naming its line.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "models/base/input_error.h"
#include "pcie/replay_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto reqs = sim::parse_replay(text, "fuzz.trace");
    for (size_t i = 1; i < reqs.size(); ++i)
      if (reqs[i].at < reqs[i - 1].at || reqs[i].size == 0)
        throw std::logic_error("bad request accepted");
  } catch (const sim::InputError& e) {
    if (e.mark().line < 1) throw std::logic_error("an error without its line");
  }
  return 0;
}
