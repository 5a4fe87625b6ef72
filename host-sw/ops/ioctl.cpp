// ioctl: a command number no iommufd command answers, _IO(';', nr) on the iommufd.
// iommufd_fops_ioctl hands a number outside its table to the VFIO compatibility layer,
// which refuses what it does not know, and a hole in the table matches no command:
// either way ENOTTY (TEST_F(iommufd, cmd_fail)'s unknown ioctl, IOMMUFD_CMD_BASE - 1).
// A number that has a command, iommufd's or a VFIO compat one, is an input error
// naming it: its own operation says what it does.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

// The VFIO type1 ioctls iommufd's compat layer answers (VFIO_BASE 100 + n on type ';')
// and the operations that make them.
struct VfioNr {
  uint8_t nr;
  const char* name;
  const char* op;
};
constexpr VfioNr kVfioCompat[] = {
    {100, "VFIO_GET_API_VERSION", "vfio_get_api_version"},
    {101, "VFIO_CHECK_EXTENSION", "vfio_check_extension"},
    {102, "VFIO_SET_IOMMU", "vfio_set_iommu"},
    {112, "VFIO_IOMMU_GET_INFO", "vfio_iommu_get_info"},
    {113, "VFIO_IOMMU_MAP_DMA", "vfio_map_dma"},
    {114, "VFIO_IOMMU_UNMAP_DMA", "vfio_unmap_dma"},
    {117, "VFIO_IOMMU_DIRTY_PAGES", "vfio_dirty_pages"},
};

std::string hex8(unsigned v) {
  static const char* d = "0123456789abcdef";
  return std::string("0x") + d[(v >> 4) & 15] + d[v & 15];
}

struct Ioctl final : HostOperation {
  void parse(ConfigReader& r, OpNames&) {
    const uint64_t raw = r.address("nr");  // hex as the uAPI writes it, or decimal
    if (raw > 255) r.fail("nr", "expected an ioctl number from 0 to 0xff");
    const unsigned nr = unsigned(raw);
    for (const UcmdStruct& c : iommufd_uapi::kAll) {
      if (c.nr != nr) continue;
      std::string ops;
      for (const HostOpEntry* e : host_operations())
        if (e->ucmd.nr == nr) ops += std::string(ops.empty() ? "" : ", ") + std::string(e->name);
      r.fail("nr", hex8(nr) + " is " + std::string(c.name) +
                       (ops.empty() ? " (not modelled)" : ": use " + ops));
    }
    for (const VfioNr& v : kVfioCompat)
      if (v.nr == nr) r.fail("nr", hex8(nr) + " is " + v.name + ": use " + v.op);
  }
  Task<Errno> run(Host&, OpOutcome&) const override { co_return Errno::Enotty; }
};

}  // namespace
extern const HostOpEntry ioctl_op = host_op<Ioctl>("ioctl");
}  // namespace sim
