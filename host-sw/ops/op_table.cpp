// The table of host operations: one line per operation, each defined in ops/<name>.cpp.
// The order is the one `expected one of ...` lists.
#include <algorithm>

#include "host-sw/ops/op_registry.h"

namespace sim {

// clang-format off
#define SIM_HOST_OPERATIONS(X) \
  X(ioas_alloc)                \
  X(ioas_destroy)              \
  X(ioas_map)                  \
  X(ioas_unmap)                \
  X(ioas_copy)                 \
  X(ioas_iova_ranges)          \
  X(ioas_allow_iovas)          \
  X(ioas_option)               \
  X(hwpt_alloc)                \
  X(hwpt_alloc_nested)         \
  X(viommu_alloc)              \
  X(vdevice_alloc)             \
  X(hwpt_invalidate)           \
  X(veventq_alloc)             \
  X(veventq_read)              \
  X(trigger_vevents)           \
  X(hw_queue_alloc)            \
  X(attach)                    \
  X(detach)                    \
  X(replace)                   \
  X(get_hw_info)               \
  X(set_dirty_tracking)        \
  X(get_dirty_bitmap)          \
  X(mmap)                      \
  X(munmap)                    \
  X(device_quiesce)            \
  X(device_resume)             \
  X(migrate)                   \
  X(wait)                      \
  X(hwpt_destroy)              \
  X(destroy)                   \
  X(access_create)             \
  X(access_pin)                \
  X(access_unpin)              \
  X(access_destroy)            \
  X(access_rw)                 \
  X(access_replace)            \
  X(vfio_set_iommu)            \
  X(vfio_map_dma)              \
  X(vfio_unmap_dma)            \
  X(vfio_dirty_pages)          \
  X(vfio_pin_pages)            \
  X(vfio_unpin_pages)          \
  X(vfio_dma_rw)               \
  X(vfio_ioas)                 \
  X(vfio_get_api_version)      \
  X(vfio_check_extension)      \
  X(vfio_iommu_get_info)       \
  X(memfd_create)              \
  X(memfd_truncate)            \
  X(ioas_map_file)             \
  X(process_create)            \
  X(ioas_change_process)       \
  X(dma_logging_start)         \
  X(dma_logging_report)        \
  X(dma_logging_stop)          \
  X(fault_queue_alloc)         \
  X(trigger_iopf)              \
  X(fault_read)                \
  X(fault_respond)             \
  X(fault_close)               \
  X(ioctl)                     \
  X(veventq_close)
// clang-format on

#define SIM_DECLARE_OP(op) extern const HostOpEntry op##_op;
SIM_HOST_OPERATIONS(SIM_DECLARE_OP)

namespace {
#define SIM_LIST_OP(op) &op##_op,
const HostOpEntry* const kOps[] = {SIM_HOST_OPERATIONS(SIM_LIST_OP)};
}  // namespace

std::span<const HostOpEntry* const> host_operations() {
  return kOps;
}

const HostOpEntry* find_host_operation(std::string_view name) {
  for (const HostOpEntry* e : kOps)
    if (e->name == name) return e;
  return nullptr;
}

const std::vector<std::string>& host_operation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const HostOpEntry* e : kOps) v.emplace_back(e->name);
    return v;
  }();
  return names;
}

}  // namespace sim
