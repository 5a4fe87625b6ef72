// hwpt_alloc_nested (IOMMU_HWPT_ALLOC with the guest's stage-1 data): a nested HWPT on
// a nesting-parent HWPT or on a vIOMMU, whose translation is the guest's stage-1 table
// (`s1_root`, a guest physical address, VT-d first-stage format) over the parent's
// stage 2. In the kernel's order (iommufd_hwpt_alloc, iommufd_hwpt_nested_alloc,
// iommufd_viommu_alloc_hwpt_nested, intel_iommu_domain_alloc_nested): a `parent` that
// is gone, or is neither a paging HWPT nor a vIOMMU, is EINVAL (an IOAS takes no stage-1
// data: EOPNOTSUPP);
// a vIOMMU on another unit than the device's is EINVAL; flags other than `pasid`
// (IOMMU_HWPT_ALLOC_PASID: the nested HWPT may serve PASIDs) are EOPNOTSUPP; a parent
// not allocated `nest_parent` is EINVAL; a device whose unit cannot nest is EOPNOTSUPP;
// stage-1 data of another type than vtd_s1 is EOPNOTSUPP. `extra_flags` (uAPI bits past
// the named ones) are EOPNOTSUPP; `fault` / `fault_id` make it iopf-capable
// (IOMMU_HWPT_FAULT_ID_VALID, looked up last: fault_arg.h).
// A struct cut short (`size` from 24, the minimum, to 47) reads the fields past the cut
// as zero: below 28 no data type and no length, so the nested allocation has no data
// (EOPNOTSUPP where the flags are checked); below 32 a type without a length (EINVAL,
// iommufd_hwpt_alloc's first check); below 40 a length with a NULL pointer (EFAULT when
// the driver copies the data, after the object is allocated); below 44 a fault_id of 0
// (ENOENT when the fault object is looked up).
#include "host-sw/ops/fault_arg.h"

namespace sim {
namespace {

enum class S1DataType { VtdS1, ArmSmmuv3 };
const NamedValues<S1DataType> kDataTypes = {{"vtd_s1", S1DataType::VtdS1},
                                            {"arm_smmuv3", S1DataType::ArmSmmuv3}};

struct HwptAllocNested final : HostOperation {
  std::string id, parent, device;
  S1DataType data_type = S1DataType::VtdS1;
  NestedS1 s1;
  uint32_t flags = 0;  // IOMMU_HWPT_ALLOC_*: only kPasidFlag is valid for a nested HWPT
  static constexpr uint32_t kPasidFlag = 4;  // the third name read_flags is given
  static constexpr uint32_t kUnknownFlag = 1u << 31;
  FaultArg fault;
  bool parent_is_ioas = false;
  // Where struct iommu_hwpt_alloc's data fields end (iommufd_uapi::kHwptAlloc).
  static constexpr uint32_t kDataTypeEnd = 28, kDataLenEnd = 32, kDataUptrEnd = 40;

  void parse(ConfigReader& r, OpNames& n) {
    id = n.new_object(r, n.hwpt);
    parent = r.text("parent");
    n.need_object(r, "parent", n.hwpt, parent, "HWPT or vIOMMU");
    parent_is_ioas = n.ioas.count(parent);
    device = n.device(r);
    data_type = r.choice("data_type", S1DataType::VtdS1, kDataTypes);
    s1.root = r.address("s1_root");
    s1.levels = r.integer("addr_width", 48, 48, 57) > 48 ? 5 : 4;
    if (r.has("flags")) flags = read_flags(r, {"nest_parent", "dirty_tracking", "pasid"});
    if (r.address("extra_flags", 0)) flags |= kUnknownFlag;
    fault.parse(r, n);
  }
  std::string ucmd_cut_problem(uint32_t size) const override {
    if (size < kDataTypeEnd && parent_is_ioas)
      return "a struct without data_type on an IOAS is a paging allocation: use hwpt_alloc";
    return "";
  }
  void prepare(Host& h) const override { h.enable_nesting_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    const bool no_data = ucmd_size < kDataTypeEnd;  // IOMMU_HWPT_DATA_NONE, length 0
    if (!no_data && ucmd_size < kDataLenEnd) co_return Errno::Einval;  // a type, no length
    auto hw = h.hwpts().find(parent);
    auto vi = h.viommus().find(parent);
    if (h.ioases().count(parent)) co_return Errno::Eopnotsupp;  // a paging alloc with data
    const bool on_viommu = vi != h.viommus().end();
    if (!on_viommu && (hw == h.hwpts().end() || hw->second.nested())) co_return Errno::Einval;
    if (on_viommu && h.unit_of(device) != vi->second.unit) co_return Errno::Einval;
    if ((flags & ~kPasidFlag) || no_data) co_return Errno::Eopnotsupp;
    const std::string parent_hwpt = on_viommu ? vi->second.hwpt : parent;
    Host::Hwpt& p = h.hwpts().at(parent_hwpt);
    if (!p.nest_parent) co_return Errno::Einval;
    if (!h.nesting_capable(device)) co_return Errno::Eopnotsupp;
    if (data_type != S1DataType::VtdS1) co_return Errno::Eopnotsupp;
    if (h.fail_alloc()) co_return Errno::Enomem;            // iommufd_object_alloc
    if (ucmd_size < kDataUptrEnd) co_return Errno::Efault;  // the data copied from NULL
    Host::Hwpt nested;
    nested.ioas = p.ioas;
    nested.domain = h.driver().domain_alloc_nested(*p.domain, s1);
    nested.parent = parent_hwpt;
    if (on_viommu) nested.viommu = parent;
    nested.pasid_compat = flags & kPasidFlag;
    if (fault.valid) {
      if (Errno e = fault.lookup(h, nested.fault, ucmd_size); e != Errno::Ok) {
        h.driver().domain_free(nested.domain);
        co_return e;
      }
    }
    h.hwpts()[id] = std::move(nested);
    h.objects().add(ObjectType::Hwpt, id);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry hwpt_alloc_nested_op =
    host_op<HwptAllocNested>("hwpt_alloc_nested", iommufd_uapi::kHwptAlloc);
}  // namespace sim
