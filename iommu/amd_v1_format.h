#pragma once
// AMD IOMMU v1 host page table: 9 index bits per level over 4 KiB tables, 3 to 6
// levels; bit 0 PR, bit 5 A, bit 6 D, bits 11:9 NextLevel, bits 51:12 address, bit 61
// IR, bit 62 IW. NextLevel 1..6 is a table at that level (it must be the level below:
// level skipping is not modelled and decodes as not present); 0 a leaf of its level's
// span; 7 a leaf whose size is in its address: the lowest zero address bit, at 12 or
// above, at bit n means 2^(n+1) bytes. Such sizes (8 KiB..1 MiB, 4 MiB..512 MiB, ...)
// are replicated over 2^k consecutive identical entries of the level; hardware sets
// A/D on the replica it walked, so software ORs and clears D over all of them.
#include "iommu/page_table_format.h"

namespace sim {

extern const FormatRegistration kAmdV1Registration;  // its name and levels

class AmdV1Format : public PageTableFormat {
 public:
  static constexpr uint64_t PR = 1, A = 1 << 5, D = 1 << 6;
  static constexpr uint64_t IR = 1ull << 61, IW = 1ull << 62;
  static constexpr unsigned kNextShift = 9;
  static constexpr uint64_t kNextMask = 7ull << kNextShift;
  static constexpr uint64_t kAddrMask = ((1ull << 52) - 1) & ~0xfffull;

  explicit AmdV1Format(unsigned levels) : levels_(levels) {}
  std::string_view name() const override { return kAmdV1Registration.name; }
  unsigned levels() const override { return levels_; }
  unsigned iova_bits() const override { return levels_ >= 6 ? 64 : 12 + 9 * levels_; }
  // Every power of two from 4 KiB to 256 GiB (leaves at levels 1 to 3, as Linux).
  uint64_t page_sizes() const override { return ((1ull << 39) - 1) & ~((1ull << 12) - 1); }
  Pte decode(uint64_t raw, unsigned level) const override;
  uint64_t make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const override;
  uint64_t make_table(uint64_t pa, unsigned level) const override {
    return (pa & kAddrMask) | PR | IR | IW | (uint64_t(level - 1) << kNextShift);
  }
  uint64_t with_access(uint64_t raw, bool write) const override {
    return raw | A | (write ? D : 0);
  }
  bool dirty(uint64_t raw) const override { return raw & D; }
  uint64_t without_dirty(uint64_t raw) const override { return raw & ~D; }
  LeafScan scan_leaves(uint64_t* table, unsigned level, unsigned i0, unsigned i1, bool clean,
                       bool skip_absent, uint16_t* dirty_at) const override;

 private:
  unsigned levels_;
};

}  // namespace sim
