#pragma once
// The iommufd context's object IDs (after its `objects` xarray): every IOAS, HWPT,
// in-kernel access, vIOMMU, vDEVICE, fault object, vEVENTQ and HW queue gets a u32 ID when it is
// created, the lowest free one from 1 (so a destroyed object's ID is given to the next new one, as
// xa_alloc does), and loses it when destroyed. ID 0 is never an object. Scenarios name objects;
// this table turns names into IDs and back, so an ID can be given as data (`destroy` by
// `object_id`).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "host-sw/kernel/errno.h"

namespace sim {

enum class ObjectType { Ioas, Hwpt, Access, Viommu, Vdevice, Fault, Veventq, HwQueue };
std::string_view object_type_name(ObjectType t);

struct ObjectRef {
  ObjectType type;
  std::string name;
};

class ObjectTable {
 public:
  // A new object's ID.
  uint32_t add(ObjectType t, const std::string& name);
  // The object is destroyed; its ID becomes free.
  void remove(ObjectType t, const std::string& name);
  // The live object with that name and type (nullopt: any type; names are unique
  // across types, as the scenario's objects share one name space).
  std::optional<uint32_t> id_of(std::optional<ObjectType> t, const std::string& name) const;
  // iommufd_get_object: ENOENT for ID 0, an ID no live object has, or an object of
  // another type than `want` (nullopt: any type, as IOMMU_DESTROY asks).
  Errno get(uint32_t id, std::optional<ObjectType> want, const ObjectRef*& out) const;
  size_t size() const { return by_id_.size(); }

 private:
  std::map<uint32_t, ObjectRef> by_id_;
};

}  // namespace sim
