// destroy (IOMMU_DESTROY): any object by its ID, given as data (`object_id`) or as the
// object's name (`object`, its ID when the call runs). The ID is looked up with any
// type allowed: 0, an ID no live object has, or a name whose object is gone (a stale
// ID) is ENOENT. An IOAS or HWPT is destroyed as `ioas_destroy` / `hwpt_destroy` do, a
// vIOMMU or vDEVICE as Host::destroy_viommu / destroy_vdevice say (host_nesting.cpp), a
// vEVENTQ or HW queue as destroy_veventq / destroy_hw_queue (host_vevents.cpp);
// an in-kernel access is EBUSY, as the driver that created it holds it until it calls
// iommufd_access_destroy (`access_destroy`); a fault object as Host::destroy_fault says.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct Destroy final : HostOperation {
  std::optional<uint32_t> object_id;
  std::string object;

  void parse(ConfigReader& r, OpNames& n) {
    if (r.has("object") == r.has("object_id"))
      r.fail("op", "destroy takes exactly one of `object` (a name) and `object_id` (a number)");
    if (r.has("object_id")) {
      object_id = uint32_t(r.integer("object_id", 0, UINT32_MAX));
      return;
    }
    object = r.text("object");
    n.need_object(r, "object", n.ioas, object,
                  "IOAS, HWPT, access, vIOMMU, vDEVICE, fault, vEVENTQ or HW queue");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    uint32_t id = 0;
    if (object_id) {
      id = *object_id;
    } else if (std::optional<uint32_t> live = h.objects().id_of(std::nullopt, object)) {
      id = *live;
    }
    const ObjectRef* ref = nullptr;
    if (Errno e = h.objects().get(id, std::nullopt, ref); e != Errno::Ok) co_return e;
    const std::string name = ref->name;
    switch (ref->type) {
      case ObjectType::Ioas:
        co_return co_await h.destroy_ioas(name);
      case ObjectType::Hwpt:
        co_return co_await h.destroy_hwpt(name);
      case ObjectType::Access:
        co_return Errno::Ebusy;
      case ObjectType::Viommu:
        co_return h.destroy_viommu(name);
      case ObjectType::Vdevice:
        co_return h.destroy_vdevice(name);
      case ObjectType::Fault:
        co_return h.destroy_fault(name);
      case ObjectType::Veventq:
        co_return h.destroy_veventq(name);
      case ObjectType::HwQueue:
        co_return h.destroy_hw_queue(name);
    }
    co_return Errno::Einval;
  }
};

}  // namespace
extern const HostOpEntry destroy_op = host_op<Destroy>("destroy", iommufd_uapi::kDestroy);
}  // namespace sim
