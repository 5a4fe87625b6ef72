// hwpt_alloc (IOMMU_HWPT_ALLOC): a domain over an IOAS, every area filled into it (the
// first domain pins and charges; EFAULT / ENOMEM leave the IOAS unchanged). With
// `nest_parent` it is a stage 2 that nested HWPTs and vIOMMUs can sit on
// (IOMMU_HWPT_ALLOC_NEST_PARENT): EOPNOTSUPP on a unit without nested translation.
// With `pasid` it may serve PASIDs (IOMMU_HWPT_ALLOC_PASID; pasid_compat.h). With
// `fault` / `fault_id` it is iopf-capable (IOMMU_HWPT_FAULT_ID_VALID; fault_arg.h).
// An `ioas` that is gone or of another type is not ENOENT: see run().
#include "host-sw/ops/fault_arg.h"

namespace sim {
namespace {

struct HwptAlloc final : HostOperation {
  std::string id, ioas;
  bool dirty_tracking = false, nest_parent = false, pasid = false;
  std::string device;  // optional: the device whose IOMMU unit must support tracking
  FaultArg fault;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.hwpt);
    ioas = read_ioas(r, n);
    dirty_tracking = r.boolean("dirty_tracking", false);
    nest_parent = r.boolean("nest_parent", false);
    pasid = r.boolean("pasid", false);
    if (r.has("device")) device = n.device(r);
    fault.parse(r, n);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto io = h.ioases().find(ioas);
    if (io == h.ioases().end()) {
      // iommufd_hwpt_alloc looks pt_id up as any object: none is EINVAL; a paging HWPT
      // or a vIOMMU takes the nested path, where no data is EOPNOTSUPP; any other type
      // EINVAL.
      const bool nested_path = h.hwpts().count(ioas) || h.viommus().count(ioas);
      co_return nested_path ? Errno::Eopnotsupp : Errno::Einval;
    }
    if (h.hwpts().count(id)) co_return Errno::Eexist;
    // Dirty tracking needs walks that see the CPU's clears (VT-d: coherent walks): on
    // the given device's unit, or on every unit when no device is named.
    if (dirty_tracking && !h.tracking_capable(device)) co_return Errno::Eopnotsupp;
    if (nest_parent && !h.nesting_capable(device)) co_return Errno::Eopnotsupp;
    IommuDriver& drv = h.driver();
    Host::Hwpt hw;
    hw.ioas = ioas;
    hw.domain = drv.domain_alloc(dirty_tracking);
    if (!hw.domain) co_return Errno::Enomem;  // fault injection
    hw.dirty_capable = dirty_tracking;
    hw.nest_parent = hw.domain->nest_parent = nest_parent;
    hw.pasid_compat = pasid;
    // The aperture is what the page table's levels translate (48 bits with 4 levels).
    const unsigned bits = drv.format().iova_bits();
    const uint64_t aperture_last = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
    Errno e = co_await io->second->iopt.add_domain(drv, h.vmm(), hw.domain, aperture_last);
    if (e != Errno::Ok) {
      drv.domain_free(hw.domain);  // its tables go with it
      co_return e;
    }
    if (fault.valid) {
      if (e = fault.lookup(h, hw.fault, ucmd_size); e != Errno::Ok) {
        co_await io->second->iopt.remove_domain(drv, hw.domain);
        drv.domain_free(hw.domain);
        co_return e;
      }
    }
    ++io->second->users;
    h.hwpts()[id] = hw;
    h.objects().add(ObjectType::Hwpt, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry hwpt_alloc_op = host_op<HwptAlloc>("hwpt_alloc", iommufd_uapi::kHwptAlloc);
}  // namespace sim
