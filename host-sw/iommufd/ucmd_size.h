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
#include <span>
#include <string_view>

#include "host-sw/kernel/errno.h"

namespace sim {

// One iommufd command, a row of the kernel's IOCTL_OP table: its number (the `nr` of
// _IO(';', nr)), its name, its struct's sizeof (`size`) and the end of the last field
// the struct's first version had (`min_size`). Size 0: not an iommufd ioctl.
struct UcmdStruct {
  uint8_t nr = 0;
  std::string_view name;
  uint32_t size = 0;
  uint32_t min_size = 0;
  bool is_ioctl() const { return size != 0; }
};

// The caller's struct: `user_size` bytes, and whether any byte past the kernel's
// struct is non-zero (only meaningful when user_size > size).
Errno check_ucmd_size(const UcmdStruct& s, uint32_t user_size, bool trailing_nonzero);

// Each iommufd ioctl, its number and struct from include/uapi/linux/iommufd.h (mainline,
// the version with IOMMU_VEVENTQ_ALLOC and IOMMU_HW_QUEUE_ALLOC) and its minimum from
// the IOCTL_OP table in drivers/iommu/iommufd/main.c (u32 fields 4 bytes, u64 8).
namespace iommufd_uapi {
// Each line: the fields at their byte offsets; the minimum is the end of the field named.
// size@0 id@4; min: id
inline constexpr UcmdStruct kDestroy{0x80, "IOMMU_DESTROY", 8, 8};
// size@0 flags@4 out_ioas_id@8; min: out_ioas_id
inline constexpr UcmdStruct kIoasAlloc{0x81, "IOMMU_IOAS_ALLOC", 12, 12};
// size@0 ioas_id@4 num_iovas@8 __reserved@12 allowed_iovas@16; min: allowed_iovas
inline constexpr UcmdStruct kIoasAllowIovas{0x82, "IOMMU_IOAS_ALLOW_IOVAS", 24, 24};
// size@0 flags@4 dst_ioas_id@8 src_ioas_id@12 length@16 dst_iova@24
// src_iova@32; min: src_iova
inline constexpr UcmdStruct kIoasCopy{0x83, "IOMMU_IOAS_COPY", 40, 40};
// size@0 ioas_id@4 num_iovas@8 __reserved@12 allowed_iovas@16
// out_iova_alignment@24; min: out_iova_alignment
inline constexpr UcmdStruct kIoasIovaRanges{0x84, "IOMMU_IOAS_IOVA_RANGES", 32, 32};
// size@0 flags@4 ioas_id@8 __reserved@12 user_va@16 length@24 iova@32; min: iova
inline constexpr UcmdStruct kIoasMap{0x85, "IOMMU_IOAS_MAP", 40, 40};
// size@0 ioas_id@4 iova@8 length@16; min: length
inline constexpr UcmdStruct kIoasUnmap{0x86, "IOMMU_IOAS_UNMAP", 24, 24};
// size@0 option_id@4 op@8 (u16) __reserved@10 (u16) object_id@12 val64@16; min: val64
inline constexpr UcmdStruct kOption{0x87, "IOMMU_OPTION", 24, 24};
// size@0 ioas_id@4 op@8 (u16) __reserved@10 (u16); min: __reserved
inline constexpr UcmdStruct kVfioIoas{0x88, "IOMMU_VFIO_IOAS", 12, 12};
// size@0 flags@4 dev_id@8 pt_id@12 out_hwpt_id@16 __reserved@20 data_type@24
// data_len@28 data_uptr@32 fault_id@40 __reserved2@44; min: __reserved
inline constexpr UcmdStruct kHwptAlloc{0x89, "IOMMU_HWPT_ALLOC", 48, 24};
// size@0 flags@4 dev_id@8 data_len@12 data_uptr@16 out_data_type@24
// out_max_pasid_log2@28 (u8) __reserved@29 (3 bytes) out_capabilities@32; min: __reserved
inline constexpr UcmdStruct kGetHwInfo{0x8a, "IOMMU_GET_HW_INFO", 40, 32};
// size@0 flags@4 hwpt_id@8 __reserved@12; min: __reserved
inline constexpr UcmdStruct kHwptSetDirtyTracking{0x8b, "IOMMU_HWPT_SET_DIRTY_TRACKING", 16, 16};
// size@0 hwpt_id@4 flags@8 __reserved@12 iova@16 length@24 page_size@32
// data@40; min: data
inline constexpr UcmdStruct kHwptGetDirtyBitmap{0x8c, "IOMMU_HWPT_GET_DIRTY_BITMAP", 48, 48};
// size@0 hwpt_id@4 data_uptr@8 data_type@16 entry_len@20 entry_num@24
// __reserved@28; min: __reserved
inline constexpr UcmdStruct kHwptInvalidate{0x8d, "IOMMU_HWPT_INVALIDATE", 32, 32};
// size@0 flags@4 out_fault_id@8 out_fault_fd@12; min: out_fault_fd
inline constexpr UcmdStruct kFaultQueueAlloc{0x8e, "IOMMU_FAULT_QUEUE_ALLOC", 16, 16};
// size@0 flags@4 ioas_id@8 fd@12 start@16 length@24 iova@32; min: iova
inline constexpr UcmdStruct kIoasMapFile{0x8f, "IOMMU_IOAS_MAP_FILE", 40, 40};
// size@0 flags@4 type@8 dev_id@12 hwpt_id@16 out_viommu_id@20 data_len@24
// __reserved@28 data_uptr@32; min: out_viommu_id
inline constexpr UcmdStruct kViommuAlloc{0x90, "IOMMU_VIOMMU_ALLOC", 40, 24};
// size@0 viommu_id@4 dev_id@8 out_vdevice_id@12 virt_id@16; min: virt_id
inline constexpr UcmdStruct kVdeviceAlloc{0x91, "IOMMU_VDEVICE_ALLOC", 24, 24};
// size@0 __reserved@4; min: __reserved
inline constexpr UcmdStruct kIoasChangeProcess{0x92, "IOMMU_IOAS_CHANGE_PROCESS", 8, 8};
// size@0 flags@4 viommu_id@8 type@12 veventq_depth@16 out_veventq_id@20
// out_veventq_fd@24 __reserved@28; min: out_veventq_fd
inline constexpr UcmdStruct kVeventqAlloc{0x93, "IOMMU_VEVENTQ_ALLOC", 32, 28};
// size@0 flags@4 viommu_id@8 type@12 index@16 out_hw_queue_id@20
// nesting_parent_iova@24 length@32; min: length
inline constexpr UcmdStruct kHwQueueAlloc{0x94, "IOMMU_HW_QUEUE_ALLOC", 40, 40};

// Every command the kernel's table has, modelled or not.
inline constexpr UcmdStruct kAll[] = {kDestroy,
                                      kIoasAlloc,
                                      kIoasAllowIovas,
                                      kIoasCopy,
                                      kIoasIovaRanges,
                                      kIoasMap,
                                      kIoasUnmap,
                                      kOption,
                                      kVfioIoas,
                                      kHwptAlloc,
                                      kGetHwInfo,
                                      kHwptSetDirtyTracking,
                                      kHwptGetDirtyBitmap,
                                      kHwptInvalidate,
                                      kFaultQueueAlloc,
                                      kIoasMapFile,
                                      kViommuAlloc,
                                      kVdeviceAlloc,
                                      kIoasChangeProcess,
                                      kVeventqAlloc,
                                      kHwQueueAlloc};
}  // namespace iommufd_uapi

}  // namespace sim
