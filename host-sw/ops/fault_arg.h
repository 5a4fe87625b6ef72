#pragma once
// The fault object an iopf-capable HWPT is allocated with (IOMMU_HWPT_FAULT_ID_VALID
// and fault_id): `fault` names one, `fault_id` gives the ID as data (0 or a stale ID:
// ENOENT). Either key sets the flag. As iommufd_hwpt_alloc, it is looked up only after
// the HWPT itself was allocated (iommufd_get_fault: ENOENT for no object or another
// type), which is then undone.
#include <optional>
#include <string>

#include "host-sw/ops/op_registry.h"

namespace sim {

struct FaultArg {
  bool valid = false;  // IOMMU_HWPT_FAULT_ID_VALID
  std::string name;
  std::optional<uint32_t> id;

  void parse(ConfigReader& r, OpNames& n) {
    if (r.has("fault") && r.has("fault_id"))
      r.fail("fault", "give the fault object as `fault` (a name) or `fault_id` (a number)");
    if (r.has("fault_id")) {
      const uint64_t v = r.address("fault_id");  // hex too: 0xffffffff
      if (v > UINT32_MAX) r.fail("fault_id", "expected an object ID below 2^32");
      id = uint32_t(v);
    } else if (r.has("fault")) {
      name = r.text("fault");
      n.need_object(r, "fault", n.fault, name, "fault object");
    } else {
      return;
    }
    valid = true;
  }
  // Where fault_id ends in struct iommu_hwpt_alloc: a shorter struct reads it as 0.
  static constexpr uint32_t kFaultIdEnd = 44;

  // The fault object's name, or ENOENT; `ucmd_size`: the caller's struct size.
  Errno lookup(Host& h, std::string& out, uint32_t ucmd_size) const {
    uint32_t want = 0;
    if (ucmd_size < kFaultIdEnd) {
      // cut off: ID 0, which no object has
    } else if (id) {
      want = *id;
    } else if (std::optional<uint32_t> live = h.objects().id_of(ObjectType::Fault, name)) {
      want = *live;
    }
    const ObjectRef* ref = nullptr;
    if (Errno e = h.objects().get(want, ObjectType::Fault, ref); e != Errno::Ok) return e;
    out = ref->name;
    return Errno::Ok;
  }
};

}  // namespace sim
