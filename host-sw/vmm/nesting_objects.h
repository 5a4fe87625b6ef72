#pragma once
// The iommufd objects of nested translation (after iommufd's viommu.c): a vIOMMU is
// the guest's IOMMU instance on one physical unit, over a nesting-parent HWPT (its
// stage 2); a vDEVICE gives a device on that unit the ID the guest knows it by, so the
// guest's invalidation requests can name it. A nested HWPT itself is a Host::Hwpt
// whose `parent` is set. A vEVENTQ (veventq.h) carries the host driver's events for
// the guest out of a vIOMMU; a HW queue is guest memory (a command queue) the
// hardware reads directly, pinned through an internal access.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host-sw/iommufd/iommufd_access.h"
#include "host-sw/iommufd/veventq.h"

namespace sim {

struct Viommu {
  std::string hwpt;                       // the nesting parent it holds
  std::string device;                     // the device it was allocated for
  unsigned unit = 0;                      // the physical IOMMU unit behind that device
  std::map<uint64_t, std::string> vdevs;  // virtual device ID -> vDEVICE
  // The HW queues by index (the selftest driver's array of IOMMU_TEST_HW_QUEUE_MAX).
  static constexpr uint32_t kHwQueueMax = 2;
  std::array<std::string, kHwQueueMax> hw_queue;
};

struct Vdevice {
  std::string viommu, device;
  uint64_t virt_id = 0;
};

// enum iommu_veventq_type, and our unit's own: a stage-1 fault of a nested context as
// the host driver forwards it (struct S1FaultEvent, host_vevents.cpp).
enum class VeventqType : uint32_t {
  Default = 0,
  ArmSmmuv3 = 1,
  Tegra241Cmdqv = 2,
  S1Fault = 0x10000,      // ours: no kernel type has this value
  Selftest = 0xbeefbeef,  // IOMMU_VEVENTQ_TYPE_SELFTEST: struct iommu_viommu_event_selftest
};

// Our vEVENT of type S1Fault, 16 bytes: the faulting IOVA (u64), the vDEVICE's virtual
// ID (u32: its low half), the unit's fault reason (u8, iommu/page_walker.h) and flags
// (u8: bit 0 a write), two bytes zero. After SMMUv3's forwarded event records: the
// hardware's record with the virtual ID in place of the requester ID.
struct S1FaultEvent {
  uint64_t addr = 0;
  uint32_t virt_id = 0;
  uint8_t reason = 0;
  bool write = false;
  std::vector<uint8_t> encode() const;
  static S1FaultEvent decode(const std::vector<uint8_t>& data);
};

struct VeventqObject {
  std::string viommu;  // the vIOMMU it holds
  Veventq queue;
  bool fd_open = true;  // the file holds the object: IOMMU_DESTROY is EBUSY until closed
};

// enum iommu_hw_queue_type: only the selftest driver's type is served (our vIOMMU
// mirrors the mock's queues; the unit has no Tegra CMDQV).
enum class HwQueueType : uint32_t { Default = 0, Tegra241Cmdqv = 1, Selftest = 0xdeadbeef };

struct HwQueue {
  std::string viommu;  // the vIOMMU it holds
  uint32_t index = 0;
  uint64_t base = 0, length = 0;          // nesting-parent IOVA and bytes
  uint64_t pa = 0;                        // where the hardware reads it
  std::unique_ptr<IommufdAccess> access;  // the internal access pinning its pages
};

}  // namespace sim
