#pragma once
// Root and context entries (VT-d legacy-mode layout): bus -> context table,
// devfn -> {present, translation type, page-table root, address width, domain}.
// The dirty-tracking enable (ADE) is a bit of ours in the context entry; VT-d keeps
// it in the scalable-mode PASID entry, which this model does not have yet.
#include <cstdint>
#include <utility>

namespace sim {

struct RootEntry {
  bool present = false;
  uint64_t context_table = 0;
  std::pair<uint64_t, uint64_t> encode() const {
    return {(context_table & ~0xfffull) | (present ? 1u : 0u), 0};
  }
  static RootEntry decode(uint64_t lo, uint64_t) {
    return {bool(lo & 1), lo & ~0xfffull & ((1ull << 52) - 1)};
  }
};

struct ContextEntry {
  enum Type : uint8_t { kTranslate = 0, kTranslateAts = 1, kPassThrough = 2, kReserved = 3 };
  bool present = false;
  uint8_t tt = kTranslate;
  uint64_t root = 0;  // page-table root (physical)
  uint8_t aw = 2;     // 2: 48-bit / 4 levels, 3: 57-bit / 5 levels
  bool ade = false;   // A/D tracking enable
  uint16_t did = 0;   // domain id

  std::pair<uint64_t, uint64_t> encode() const {
    uint64_t lo = (root & ~0xfffull) | (uint64_t(tt & 3) << 2) | (present ? 1u : 0u);
    uint64_t hi = uint64_t(aw & 7) | (ade ? 1ull << 7 : 0) | (uint64_t(did) << 8);
    return {lo, hi};
  }
  static ContextEntry decode(uint64_t lo, uint64_t hi) {
    ContextEntry c;
    c.present = lo & 1;
    c.tt = uint8_t((lo >> 2) & 3);
    c.root = lo & ~0xfffull & ((1ull << 52) - 1);
    c.aw = uint8_t(hi & 7);
    c.ade = (hi >> 7) & 1;
    c.did = uint16_t(hi >> 8);
    return c;
  }
  unsigned levels() const { return aw == 3 ? 5 : 4; }
};

// Where the entries live: 16 bytes each, root table by bus, context table by devfn.
inline uint64_t root_entry_addr(uint64_t root_table, uint16_t bdf) {
  return root_table + (bdf >> 8) * 16ull;
}
inline uint64_t context_entry_addr(uint64_t context_table, uint16_t bdf) {
  return context_table + (bdf & 0xff) * 16ull;
}

}  // namespace sim
