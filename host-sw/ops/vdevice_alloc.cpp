// vdevice_alloc (IOMMU_VDEVICE_ALLOC): the virtual ID (`virt_id`, the guest's ID for the
// device, a virtual BDF or stream ID) of a device on a vIOMMU, which the guest's
// invalidation requests name. As iommufd_vdevice_alloc_ioctl: the vIOMMU gone is
// ENOENT; a device behind another unit than the vIOMMU's is EINVAL; a device that has a
// vDEVICE already, or a virtual ID the vIOMMU has given, is EEXIST.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct VdeviceAlloc final : HostOperation {
  std::string id, viommu, device;
  uint64_t virt_id = 0;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.vdevice);
    viommu = read_viommu(r, n);
    device = n.device(r);
    virt_id = r.address("virt_id");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto vi = h.viommus().find(viommu);
    if (vi == h.viommus().end()) co_return Errno::Enoent;
    if (h.unit_of(device) != vi->second.unit) co_return Errno::Einval;
    if (h.vdevice_of(device)) co_return Errno::Eexist;
    if (vi->second.vdevs.count(virt_id)) co_return Errno::Eexist;
    if (h.fail_alloc()) co_return Errno::Enomem;  // iommufd_object_alloc
    vi->second.vdevs[virt_id] = id;
    h.vdevices()[id] = Vdevice{viommu, device, virt_id};
    h.objects().add(ObjectType::Vdevice, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry vdevice_alloc_op =
    host_op<VdeviceAlloc>("vdevice_alloc", iommufd_uapi::kVdeviceAlloc);
}  // namespace sim
