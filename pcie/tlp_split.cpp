#include "pcie/tlp_split.h"

#include <algorithm>

namespace sim {

namespace {
// Next boundary after addr of size `b` (a power of two).
uint64_t next_boundary(uint64_t addr, uint64_t b) {
  return (addr | (b - 1)) + 1;
}
}  // namespace

void split_tlps(uint64_t addr, uint64_t len, uint32_t max_bytes, std::vector<Chunk>& out) {
  while (len) {
    uint64_t limit = std::min(next_boundary(addr, 4096), addr + max_bytes);
    uint32_t n = uint32_t(std::min<uint64_t>(len, limit - addr));
    out.push_back({addr, n});
    addr += n;
    len -= n;
  }
}

uint64_t count_tlps(uint64_t addr, uint64_t len, uint32_t max_bytes) {
  uint64_t n = 0;
  while (len) {
    uint64_t limit = std::min(next_boundary(addr, 4096), addr + max_bytes);
    uint64_t c = std::min<uint64_t>(len, limit - addr);
    addr += c;
    len -= c;
    ++n;
  }
  return n;
}

}  // namespace sim
