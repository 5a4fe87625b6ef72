#pragma once
// What an IOMMU unit tells the platform around it: the hazards the migration oracle
// watches, and the device-TLB invalidations it sends down a device's link.
#include <cstdint>
#include <functional>

#include "models/base/units.h"

namespace sim {

struct IommuHooks {
  // A write through a dirty-known IOTLB entry whose PTE has D clear.
  std::function<void(uint16_t bdf, uint64_t iova, uint64_t pa, Ps at)> on_stale_dirty_hit;
  // A translated write through a write grant whose PTE has D clear (device-TLB hazard).
  std::function<void(uint16_t bdf, uint64_t pa, Ps at)> on_stale_atc_write;
  // Sends a device-TLB invalidation to the device `sid`; returns when its completion
  // is back at the IOMMU (the platform routes it to the endpoint).
  std::function<Ps(uint16_t sid, uint64_t addr, uint64_t bytes, Ps at)> on_device_tlb_invalidate;
  // Nested translation: a walk for requester `bdf` wrote stage-1 A/D into the guest's
  // table page at guest physical `gpa` (host physical `hpa`; both page-aligned), a write
  // to guest memory through stage 2 that is visible at `at`. Once per page per walk.
  // The migration oracle counts these: a migration that misses them loses guest
  // page-table pages.
  std::function<void(uint16_t bdf, uint64_t gpa, uint64_t hpa, Ps at)> on_guest_table_write;
  // A D bit set whose dirty-log entry the full ring dropped (dirty_log_ring.h): the
  // leaf's host physical base and size.
  std::function<void(uint64_t pbase, uint64_t bytes, Ps at)> on_dirty_log_dropped;
};

}  // namespace sim
