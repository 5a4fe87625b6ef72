// get_hw_info (IOMMU_GET_HW_INFO): what the device's IOMMU can do, as the kernel tells
// user space: `out_capabilities` bit 0 (IOMMU_HW_CAP_DIRTY_TRACKING) when its unit can
// track dirty pages (here: its walks see the CPU's clears, VT-d's coherent walks), and
// the hardware-specific data type (IOMMU_HW_INFO_TYPE_INTEL_VTD, 1), and
// `out_max_pasid_log2`: the device's PASID width (0 without a PASID capability). Unknown
// `flags` bits are EOPNOTSUPP. The kernel writes back as much of the struct as the
// caller's `size` holds: below 40 (from 32, the minimum) out_capabilities is not
// written, and the caller, whose struct starts zeroed as the selftests' do, reads 0.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

constexpr uint64_t kCapDirtyTracking = 1;  // IOMMU_HW_CAP_DIRTY_TRACKING
constexpr uint64_t kTypeIntelVtd = 1;      // IOMMU_HW_INFO_TYPE_INTEL_VTD

struct GetHwInfo final : HostOperation {
  std::string device;
  uint32_t flags = 0;
  std::optional<uint64_t> expect_capabilities, expect_data_type, expect_max_pasid_log2;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    flags = uint32_t(r.integer("flags", 0, 0, UINT32_MAX));
    if (r.has("expect_capabilities")) {
      expect_capabilities = 0;
      for (const std::string& c : r.string_list("expect_capabilities")) {
        if (c != "dirty_tracking")
          r.fail("expect_capabilities", "unknown capability '" + c + "' (expected dirty_tracking)");
        *expect_capabilities |= kCapDirtyTracking;
      }
    }
    if (r.has("expect_data_type"))
      expect_data_type = uint64_t(r.integer("expect_data_type", 0, 255));
    if (r.has("expect_max_pasid_log2"))
      expect_max_pasid_log2 = uint64_t(r.integer("expect_max_pasid_log2", 0, 20));
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    if (flags) co_return Errno::Eopnotsupp;
    constexpr uint32_t kCapabilitiesEnd = 40;  // offsetofend(iommu_hw_info, out_capabilities)
    const uint64_t caps =
        ucmd_size >= kCapabilitiesEnd && h.tracking_capable(device) ? kCapDirtyTracking : 0;
    expect_value("capabilities", expect_capabilities, caps, out.detail);
    expect_value("data type", expect_data_type, kTypeIntelVtd, out.detail);
    const HardwareInfo::Device* dev = h.device_info(device);
    expect_value("max_pasid_log2", expect_max_pasid_log2, dev ? dev->pasid_width : 0, out.detail);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry get_hw_info_op =
    host_op<GetHwInfo>("get_hw_info", iommufd_uapi::kGetHwInfo);
}  // namespace sim
