#pragma once
// VT-d second-stage-like format: 9 index bits per level over 4 KiB tables, leaves at
// 4 KiB / 2 MiB / 1 GiB; bit 0 R, bit 1 W, bit 7 PS (large leaf), bit 8 A, bit 9 D,
// bits 51:12 address; an entry is present when R or W is set.
#include "iommu/page_table_format.h"

namespace sim {

extern const FormatRegistration kVtdSsRegistration;  // its name and levels

class VtdSsFormat : public PageTableFormat {
 public:
  static constexpr uint64_t R = 1, W = 2, PS = 1 << 7, A = 1 << 8, D = 1 << 9;
  static constexpr uint64_t kAddrMask = ((1ull << 52) - 1) & ~0xfffull;

  explicit VtdSsFormat(unsigned levels) : levels_(levels) {}
  std::string_view name() const override { return kVtdSsRegistration.name; }
  unsigned levels() const override { return levels_; }
  unsigned iova_bits() const override { return 12 + 9 * levels_; }
  uint64_t page_sizes() const override { return (1ull << 12) | (1ull << 21) | (1ull << 30); }
  Pte decode(uint64_t raw, unsigned level) const override;
  uint64_t make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const override;
  uint64_t make_table(uint64_t pa, unsigned) const override { return (pa & kAddrMask) | R | W; }
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
