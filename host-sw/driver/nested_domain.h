#pragma once
// What the driver keeps of nested translation: the guest's stage-1 table a nested
// domain points at (VT-d's iommu_hwpt_vtd_s1: its root, a guest physical address, and
// its address width), and one guest invalidation request (iommu_hwpt_vtd_s1_invalidate:
// an IOVA range of the stage-1 table and the leaf-only flag).
#include <cstdint>

namespace sim {

struct NestedS1 {
  uint64_t root = 0;   // GPA of the guest's top-level table
  uint8_t levels = 4;  // 4 (48-bit) or 5 (57-bit)
};

struct S1Invalidation {
  static constexpr uint32_t kLeaf = 1;          // IOMMU_VTD_INV_FLAGS_LEAF
  static constexpr uint64_t kAll = UINT64_MAX;  // npages: every address (with addr 0)
  uint64_t addr = 0;
  uint64_t npages = 0;
  uint32_t flags = 0;
  uint64_t vdev_id = 0;  // a request to a vIOMMU: the vDEVICE whose caches it means

  // 0 when the request can be handled, else why not: unknown flags are EOPNOTSUPP, a
  // misaligned address or "all" pages from a non-zero address EINVAL (as
  // intel_nested_cache_invalidate_user checks each entry).
  int refusal() const {
    if (flags & ~kLeaf) return kRefuseFlags;
    if ((addr & 0xfff) || (npages == kAll && addr)) return kRefuseRange;
    return 0;
  }
  static constexpr int kRefuseFlags = 1, kRefuseRange = 2;
};

}  // namespace sim
