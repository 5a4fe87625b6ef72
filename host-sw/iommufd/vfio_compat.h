#pragma once
// iommufd's VFIO compatibility container (after drivers/iommu/iommufd/vfio_compat.c):
// the VFIO type1 ioctls served by one IOAS of the iommufd context, the *compat IOAS*
// (IOMMU_VFIO_IOAS sets, gets and clears it; destroying it clears it). Unlike the VFIO
// type1 driver (vfio_type1.h) it keeps no state of its own: SET_IOMMU only turns large
// pages off for type1 v1, MAP_DMA and UNMAP_DMA are the IOAS's map and unmap with
// their errnos (EEXIST / ENOENT where type1 says EEXIST / EINVAL), and the dirty-page
// API is not there (DIRTY_PAGES is ENOTTY, UNMAP's GET_DIRTY_BITMAP flag EINVAL).
// Every call without a compat IOAS is ENODEV.
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/iommufd/io_pagetable.h"
#include "models/sim/task.h"

namespace sim::vfio_compat {

constexpr int64_t kApiVersion = 0;  // VFIO_API_VERSION

// VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments (uAPI numbers).
enum Extension : uint32_t {
  kType1 = 1,
  kSpaprTce = 2,
  kType1v2 = 3,
  kDmaCc = 4,
  kEeh = 5,
  kType1Nesting = 6,  // __VFIO_RESERVED_TYPE1_NESTING_IOMMU now
  kSpaprTceV2 = 7,
  kNoIommu = 8,
  kUnmapAll = 9,
  kUpdateVaddr = 10,
};

// What CHECK_EXTENSION returns: 1 for TYPE1, TYPE1v2 and UNMAP_ALL; DMA_CC_IOMMU asks
// the compat IOAS (ENODEV without one: `have_ioas`) whether every HWPT on it enforces
// cache coherency (`all_coherent`); NOIOMMU is 1 only in a kernel built with
// CONFIG_VFIO_NOIOMMU (`noiommu_config`); everything else, the retired nesting type
// and UPDATE_VADDR included, is 0.
Errno check_extension(uint32_t ext, bool have_ioas, bool all_coherent, bool noiommu_config,
                      int64_t& value);

// SET_IOMMU: EINVAL for a type other than TYPE1 / TYPE1v2 (our iommufd is never in
// no-IOMMU mode), ENODEV without a compat IOAS; TYPE1 (v1) turns large pages off
// (iopt_disable_large_pages: EINVAL when domains hold areas already).
Errno set_iommu(uint32_t type, IoPagetable* iopt);

// The iova_pgsizes GET_INFO reports: the AND of the domains' page sizes (all of ours
// share the driver's format: `domain_sizes`), sub-page sizes folded into PAGE_SIZE
// (vfio_update_pgsize_bitmap), at least the IOAS alignment. No domain: every size from
// 4 KiB up.
uint64_t pagesizes(const IoPagetable& iopt, uint64_t domain_sizes);

// UNMAP_DMA after the ioctl's own checks (argsz, flags, ENODEV): `all` needs iova and
// size 0 (EINVAL) and unmaps everything; otherwise, with large pages off (type1 v1),
// the range is cut out of its areas first (iopt_cut_iova); then the IOAS's unmap:
// EINVAL for size 0, EOVERFLOW when it wraps, ENOENT when it would split an area
// (type1's driver says EINVAL), and nothing mapped there is success with size 0 (as
// the VFIO type1 driver; IOAS_UNMAP says ENOENT).
Task<Errno> unmap_dma(IommuDriver& drv, IoPagetable& iopt, bool all, uint64_t iova, uint64_t size,
                      uint64_t& unmapped);

// uAPI layout of VFIO_IOMMU_GET_INFO (struct vfio_iommu_type1_info and its caps).
namespace info {
constexpr uint32_t kMinsz = 16;     // offsetofend(iova_pgsizes): below is EINVAL
constexpr uint32_t kStructSz = 24;  // sizeof: argsz, flags, iova_pgsizes, cap_offset, pad
constexpr uint32_t kFlagPgsizes = 1, kFlagCaps = 2;  // VFIO_IOMMU_INFO_*
constexpr uint16_t kCapIovaRange = 1, kCapMigration = 2, kCapDmaAvail = 3;
constexpr uint32_t kDmaAvail = UINT32_MAX;  // iommufd's limit is the cgroup's: it says U32_MAX
}  // namespace info

// GET_INFO into the caller's buffer `buf` (its first `argsz` bytes are the caller's
// struct and room for capabilities; nothing past them is written): EINVAL for argsz
// below 16. The caps are DMA_AVAIL then IOVA_RANGE (the holes of the reserved ranges,
// iova_ranges()), each 8-byte aligned; a cap is written only when it fits whole (a
// range entry when it fits), the chain link only when argsz reaches it, cap_offset
// only when everything fits; argsz comes back as the size that fits everything and
// flags always has PGSIZES and CAPS. Of the struct only min(argsz, 24) bytes are
// written back.
Errno get_info(const IoPagetable& iopt, uint64_t pgsizes, uint32_t argsz,
               std::vector<uint8_t>& buf);

// The reply as a caller reads it, walking the chain as the selftest's
// check_vfio_info_cap_chain does (when cap_offset is set).
struct InfoReply {
  uint32_t argsz = 0, flags = 0, cap_offset = 0;
  uint64_t pgsizes = 0;
  bool has_dma_avail = false, has_ranges = false;
  uint32_t dma_avail = 0;
  std::vector<IovaRange> ranges;
};
// "" or what is wrong with the chain (an unknown cap, a link past argsz or backwards,
// a wrong version or size).
std::string read_info(const std::vector<uint8_t>& buf, uint32_t argsz_in, InfoReply& out);

}  // namespace sim::vfio_compat
