#pragma once
// `migrate`'s `churn:`: a guest behind a vIOMMU unmapping and remapping its DMA buffers
// while the migration runs (host-sw/vmm/churn.cpp runs it).
#include <cstdint>

#include "host-sw/driver/migration_observer.h"
#include "models/base/units.h"

namespace sim {

struct ChurnParams {
  bool on = false;
  // The region: every area wholly inside it is a buffer the guest remaps.
  uint64_t iova = 0, length = 0;
  Ps start = 0;         // the first remap is one interval after this (or the migration's start)
  Ps interval = 0;      // between remaps (1 / rate)
  bool random = false;  // which buffer next: in IOVA order, or uniformly at random
  UnmapKind unmap = UnmapKind::Plain;
  Ps gap = 0;         // unmapped this long before the map back
  uint64_t seed = 1;  // of the random pattern
  // A second window [move_to, move_to + length): each remap maps the buffer back at
  // its offset in the other window (a fresh IOVA, as a guest's DMA API hands out),
  // not where it was. Off: mapped back in place.
  bool move = false;
  uint64_t move_to = 0;
};

}  // namespace sim
