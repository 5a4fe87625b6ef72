#pragma once
// The arguments of the dirty-page calls that both the scenario's operations and the
// migration make: iommufd's GET_DIRTY_BITMAP and VFIO type1's DIRTY_PAGES.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host-sw/driver/flush_policy.h"
#include "models/base/units.h"

namespace sim {

// IOMMU_HWPT_GET_DIRTY_BITMAP on a HWPT, and how the driver flushes what it cleared.
struct HarvestArgs {
  std::string hwpt;
  uint64_t iova = 0, length = 0, page_size = 4096;
  bool no_clear = false;
  FlushConfig flush;
  uint64_t bitmap_offset = 0;  // of the user bitmap in its page
  unsigned window_pages = 512;
};

// A VFIO type1 range and the user bitmap of a read: granule, declared size (absent:
// DIRTY_BITMAP_BYTES of the range), where it sits, the bits the VMM set before the call,
// and what it must hold after.
struct VfioBitmapArgs {
  uint64_t iova = 0, length = 0, page_size = 4096;
  std::optional<uint64_t> bitmap_size;
  uint64_t bitmap_offset = 0;
  std::vector<Range> prefill;
  std::optional<std::vector<Range>> expect_dirty;
};

// VFIO_IOMMU_DIRTY_PAGES on a container: the uAPI flag bits and argsz (absent: the
// struct's size).
struct VfioDirtyArgs {
  std::string ioas;
  std::optional<uint32_t> argsz;
  uint32_t flags = 0;
  VfioBitmapArgs bitmap;
};

}  // namespace sim
