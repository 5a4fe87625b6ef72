#include "host-sw/vmm/object_table.h"

namespace sim {

std::string_view object_type_name(ObjectType t) {
  switch (t) {
    case ObjectType::Ioas:
      return "IOAS";
    case ObjectType::Hwpt:
      return "HWPT";
    case ObjectType::Access:
      return "access";
    case ObjectType::Viommu:
      return "vIOMMU";
    case ObjectType::Vdevice:
      return "vDEVICE";
    case ObjectType::Fault:
      return "fault";
    case ObjectType::Veventq:
      return "vEVENTQ";
    case ObjectType::HwQueue:
      return "HW queue";
  }
  return "?";
}

uint32_t ObjectTable::add(ObjectType t, const std::string& name) {
  uint32_t id = 1;  // the lowest free ID: the map is ordered, so the first gap
  for (const auto& [used, ref] : by_id_) {
    if (used != id) break;
    ++id;
  }
  by_id_.emplace(id, ObjectRef{t, name});
  return id;
}

void ObjectTable::remove(ObjectType t, const std::string& name) {
  if (std::optional<uint32_t> id = id_of(t, name)) by_id_.erase(*id);
}

std::optional<uint32_t> ObjectTable::id_of(std::optional<ObjectType> t,
                                           const std::string& name) const {
  for (const auto& [id, ref] : by_id_)
    if ((!t || ref.type == *t) && ref.name == name) return id;
  return std::nullopt;
}

Errno ObjectTable::get(uint32_t id, std::optional<ObjectType> want, const ObjectRef*& out) const {
  auto it = by_id_.find(id);  // ID 0 is never in the table
  if (it == by_id_.end()) return Errno::Enoent;
  if (want && it->second.type != *want) return Errno::Enoent;
  out = &it->second;
  return Errno::Ok;
}

}  // namespace sim
