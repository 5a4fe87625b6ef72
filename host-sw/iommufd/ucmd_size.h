#pragma once
// The size rules iommufd's ioctl dispatcher (iommufd_fops_ioctl, main.c) applies to
// every command before its handler runs. A command struct opens with its `size`, the
// caller's idea of how large the struct is. The dispatcher's table gives each command
// its struct's size and its minimum (the end of the last field of the struct's first
// version: later fields may be left off by older callers). Then:
//   1. size below the minimum: EINVAL;
//   2. size above the struct: the bytes past it must all be zero (the caller built a
//      newer struct; zeros mean it asked for nothing this kernel lacks), else E2BIG;
//      a size between the minimum and the struct leaves the missing fields zero;
//   3. the handler runs on the struct so copied.
// Nothing is allocated before the handler, so neither failure reaches a failure point.
#include <cstdint>

#include "host-sw/kernel/errno.h"

namespace sim {

// One command struct of the iommufd uAPI: `size` its sizeof, `min_size` the end of
// the last field its first version had. {0, 0}: not an iommufd ioctl.
struct UcmdStruct {
  uint32_t size = 0;
  uint32_t min_size = 0;
  bool is_ioctl() const { return size != 0; }
};

// The caller's struct: `user_size` bytes, and whether any byte past the kernel's
// struct is non-zero (only meaningful when user_size > size).
Errno check_ucmd_size(const UcmdStruct& s, uint32_t user_size, bool trailing_nonzero);

// The struct of each iommufd ioctl, from include/uapi/linux/iommufd.h (mainline, the
// version with IOMMU_VEVENTQ_ALLOC and IOMMU_IOAS_CHANGE_PROCESS) and the minimums of
// the IOCTL_OP table in drivers/iommu/iommufd/main.c. u32 fields are 4 bytes, u64 8,
// aligned; each line lists the fields with their byte offsets.
namespace iommufd_uapi {
// size@0 id@4
inline constexpr UcmdStruct kDestroy{8, 8};  // min: id
// size@0 flags@4 out_ioas_id@8
inline constexpr UcmdStruct kIoasAlloc{12, 12};  // min: out_ioas_id
// size@0 ioas_id@4 num_iovas@8 __reserved@12 allowed_iovas@16
inline constexpr UcmdStruct kIoasAllowIovas{24, 24};  // min: allowed_iovas
// size@0 flags@4 dst_ioas_id@8 src_ioas_id@12 length@16 dst_iova@24 src_iova@32
inline constexpr UcmdStruct kIoasCopy{40, 40};  // min: src_iova
// size@0 ioas_id@4 num_iovas@8 __reserved@12 allowed_iovas@16 out_iova_alignment@24
inline constexpr UcmdStruct kIoasIovaRanges{32, 32};  // min: out_iova_alignment
// size@0 flags@4 ioas_id@8 __reserved@12 user_va@16 length@24 iova@32
inline constexpr UcmdStruct kIoasMap{40, 40};  // min: iova
// size@0 flags@4 ioas_id@8 fd@12 start@16 length@24 iova@32
inline constexpr UcmdStruct kIoasMapFile{40, 40};  // min: iova
// size@0 ioas_id@4 iova@8 length@16
inline constexpr UcmdStruct kIoasUnmap{24, 24};  // min: length
// size@0 option_id@4 op@8 (u16) __reserved@10 (u16) object_id@12 val64@16
inline constexpr UcmdStruct kOption{24, 24};  // min: val64
// size@0 ioas_id@4 op@8 (u16) __reserved@10 (u16)
inline constexpr UcmdStruct kVfioIoas{12, 12};  // min: __reserved
// size@0 flags@4 dev_id@8 pt_id@12 out_hwpt_id@16 __reserved@20 data_type@24
// data_len@28 data_uptr@32 fault_id@40 __reserved2@44
inline constexpr UcmdStruct kHwptAlloc{48, 24};  // min: __reserved
// size@0 flags@4 dev_id@8 data_len@12 data_uptr@16 out_data_type@24
// out_max_pasid_log2@28 (u8) __reserved@29 (3 bytes) out_capabilities@32
inline constexpr UcmdStruct kGetHwInfo{40, 32};  // min: __reserved
// size@0 flags@4 hwpt_id@8 __reserved@12
inline constexpr UcmdStruct kHwptSetDirtyTracking{16, 16};  // min: __reserved
// size@0 hwpt_id@4 flags@8 __reserved@12 iova@16 length@24 page_size@32 data@40
inline constexpr UcmdStruct kHwptGetDirtyBitmap{48, 48};  // min: data
// size@0 hwpt_id@4 data_uptr@8 data_type@16 entry_len@20 entry_num@24 __reserved@28
inline constexpr UcmdStruct kHwptInvalidate{32, 32};  // min: __reserved
// size@0 flags@4 out_fault_id@8 out_fault_fd@12
inline constexpr UcmdStruct kFaultQueueAlloc{16, 16};  // min: out_fault_fd
// size@0 flags@4 type@8 dev_id@12 hwpt_id@16 out_viommu_id@20 data_len@24
// __reserved@28 data_uptr@32
inline constexpr UcmdStruct kViommuAlloc{40, 24};  // min: out_viommu_id
// size@0 viommu_id@4 dev_id@8 out_vdevice_id@12 virt_id@16
inline constexpr UcmdStruct kVdeviceAlloc{24, 24};  // min: virt_id
// size@0 flags@4 viommu_id@8 type@12 veventq_depth@16 out_veventq_id@20
// out_veventq_fd@24 __reserved@28
inline constexpr UcmdStruct kVeventqAlloc{32, 28};  // min: out_veventq_fd
// size@0 __reserved@4
inline constexpr UcmdStruct kIoasChangeProcess{8, 8};  // min: __reserved
}  // namespace iommufd_uapi

}  // namespace sim
