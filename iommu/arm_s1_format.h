#pragma once
// Arm VMSAv8-64 stage 1, 4 KiB granule, 4 levels (48-bit IOVA): bit 0 valid, bit 1
// table (levels 2-4) or page (level 1; a level-1 entry without it is invalid), blocks
// at levels 2 and 3 (2 MiB, 1 GiB), bit 7 AP[2] (read-only), bit 10 AF, bit 51 DBM,
// bits 47:12 address.
//
// Dirty state by HTTU: writable-clean is DBM=1 & AP[2]=1, writable-dirty DBM=1 &
// AP[2]=0; with HD (our context entry's A/D enable) a write to writable-clean clears
// AP[2] and proceeds, software cleans by setting AP[2]. A write to AP[2]=1 without DBM
// faults, and so does one to writable-clean without HD: with tracking off that page is
// read-only. So the driver writes writable leaves writable-dirty, with DBM only in
// dirty-capable domains (Linux's io-pgtable-arm with its HD quirk), and before turning
// tracking off makes every writable-clean leaf writable-dirty again. "Dirty" is
// DBM=1 & AP[2]=0, as Linux reads it; a writable leaf without DBM is never dirty.
// The driver always sets AF, as Linux does: access-flag faults are not modelled.
#include "iommu/page_table_format.h"

namespace sim {

extern const FormatRegistration kArmS1Registration;  // its name and levels

class ArmS1Format : public PageTableFormat {
 public:
  static constexpr uint64_t kValid = 1, kTable = 2, kApRo = 1 << 7, kAf = 1 << 10;
  static constexpr uint64_t kDbm = 1ull << 51;
  static constexpr uint64_t kAddrMask = ((1ull << 48) - 1) & ~0xfffull;

  std::string_view name() const override { return kArmS1Registration.name; }
  unsigned levels() const override { return 4; }
  unsigned iova_bits() const override { return 48; }
  uint64_t page_sizes() const override { return (1ull << 12) | (1ull << 21) | (1ull << 30); }
  Pte decode(uint64_t raw, unsigned level) const override;
  uint64_t make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const override;
  uint64_t make_table(uint64_t pa, unsigned) const override {
    return (pa & kAddrMask) | kValid | kTable;
  }
  uint64_t with_access(uint64_t raw, bool write) const override {
    raw |= kAf;
    return write && (raw & kDbm) ? raw & ~kApRo : raw;
  }
  bool dirty(uint64_t raw) const override { return (raw & (kDbm | kApRo)) == kDbm; }
  uint64_t without_dirty(uint64_t raw) const override { return raw | kApRo; }
  bool clean_needs_tracking() const override { return true; }
  LeafScan scan_leaves(uint64_t* table, unsigned level, unsigned i0, unsigned i1, bool clean,
                       bool skip_absent, uint16_t* dirty_at) const override;
};

}  // namespace sim
