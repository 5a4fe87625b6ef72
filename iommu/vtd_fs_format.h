#pragma once
// VT-d first-stage format (x86-64 paging, 4 or 5 levels): the guest's own IO page table
// under nesting. Bit 0 P, bit 1 R/W, bit 2 U/S, bit 5 A, bit 6 D (leaves), bit 7 PS
// (2 MiB and 1 GiB leaves), bit 63 XD, bits 51:12 address. There is no A/D enable: the
// hardware sets A in every entry a walk uses and D in a leaf it writes through, which is
// why Linux pre-sets A/D in first-stage leaves it maps for the DMA API.
#include "iommu/page_table_format.h"

namespace sim {

class VtdFsFormat : public PageTableFormat {
 public:
  static constexpr uint64_t P = 1, RW = 2, US = 4, A = 1 << 5, D = 1 << 6, PS = 1 << 7;
  static constexpr uint64_t XD = 1ull << 63;
  static constexpr uint64_t kAddrMask = ((1ull << 52) - 1) & ~0xfffull;

  explicit VtdFsFormat(unsigned levels) : levels_(levels) {}
  std::string_view name() const override { return "vtd-fs"; }
  unsigned levels() const override { return levels_; }
  unsigned iova_bits() const override { return 12 + 9 * levels_; }
  uint64_t page_sizes() const override { return (1ull << 12) | (1ull << 21) | (1ull << 30); }
  Pte decode(uint64_t raw, unsigned level) const override;
  uint64_t make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const override;
  uint64_t make_table(uint64_t pa, unsigned) const override {
    return (pa & kAddrMask) | P | RW | US;
  }
  uint64_t with_access(uint64_t raw, bool write) const override {
    return raw | A | (write ? D : 0);
  }
  uint64_t table_with_access(uint64_t raw) const override { return raw | A; }
  bool dirty(uint64_t raw) const override { return raw & D; }
  uint64_t without_dirty(uint64_t raw) const override { return raw & ~D; }

 private:
  unsigned levels_;
};

}  // namespace sim
