#pragma once
// How a DMA becomes TLPs: consecutive chunks of at most `max_bytes` (MPS for
// writes and completions, MRRS for read requests), cut again where one would cross
// a 4 KiB boundary (a TLP may not). As pcie-bench counts them: ceil(len / max).
#include <cstdint>
#include <vector>

namespace sim {

struct Chunk {
  uint64_t addr;
  uint32_t len;
};

// Appends the chunks of [addr, addr+len) to `out`.
void split_tlps(uint64_t addr, uint64_t len, uint32_t max_bytes, std::vector<Chunk>& out);
// Number of chunks without building them.
uint64_t count_tlps(uint64_t addr, uint64_t len, uint32_t max_bytes);

}  // namespace sim
