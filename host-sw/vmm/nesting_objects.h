#pragma once
// The iommufd objects of nested translation (after iommufd's viommu.c): a vIOMMU is
// the guest's IOMMU instance on one physical unit, over a nesting-parent HWPT (its
// stage 2); a vDEVICE gives a device on that unit the ID the guest knows it by, so the
// guest's invalidation requests can name it. A nested HWPT itself is a Host::Hwpt
// whose `parent` is set.
#include <cstdint>
#include <map>
#include <string>

namespace sim {

struct Viommu {
  std::string hwpt;                       // the nesting parent it holds
  std::string device;                     // the device it was allocated for
  unsigned unit = 0;                      // the physical IOMMU unit behind that device
  std::map<uint64_t, std::string> vdevs;  // virtual device ID -> vDEVICE
};

struct Vdevice {
  std::string viommu, device;
  uint64_t virt_id = 0;
};

}  // namespace sim
