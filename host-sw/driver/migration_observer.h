#pragma once
// What a migration tells the platform's oracle, which sees ground truth that host
// software cannot: when each guest page's contents were sent, and the phases.
#include <cstdint>

#include "host-sw/kernel/host_accounts.h"
#include "models/base/units.h"

namespace sim {

// How a mapping went away while a migration ran (host-sw/vmm/churn.cpp): a plain
// unmap drops its D bits unread; QEMU's order reads them (NO_CLEAR) and then unmaps,
// not atomically; type1's unmap returns the range's bitmap atomically.
enum class UnmapKind : uint8_t { Plain, NoClearThenUnmap, Atomic };

class MigrationObserver {
 public:
  virtual ~MigrationObserver() = default;
  virtual void copied(uint64_t pa_page, Ps at) = 0;  // this page's contents were read at `at`
  virtual void final_harvest(Ps at) = 0;             // writes after this are not harvested
  virtual void migration_done(Ps at) = 0;
  // The guest's CPU wrote this page (its IOMMU driver's page tables) at `at`.
  virtual void guest_write(uint64_t pa, Ps at) {}
  // An in-kernel access wrote [pa, pa + len) with the CPU (iommufd_access_rw) at `at`:
  // a write no dirty tracker sees.
  virtual void access_write(uint64_t pa, uint64_t len, Ps at) {}
  // The IOVA mapping of this guest page went away: its dirty state was read at
  // `read_at` (the NO_CLEAR read; for the others the unmap's start) and the unmap,
  // invalidation included, finished at `done_at`.
  virtual void unmapped(uint64_t pa_page, Ps read_at, Ps done_at, UnmapKind kind) {}
};

// Where a running migration is, for a progress display (nothing depends on it).
struct MigrationProgress {
  bool active = false;  // a migrate step is running
  unsigned round = 0;
  uint64_t pages_left = 0;  // of the round's pages, not yet sent
};

// One pre-copy round, for rounds.csv.
struct MigrationRound {
  unsigned round = 0;
  Ps start = 0, harvest_ps = 0, copy_ps = 0;
  uint64_t reported = 0, copied = 0;  // pages
  bool final = false;
  HostAccounts cost;                // spent from this round's start to its end
  uint64_t killed = 0, misses = 0;  // IOTLB entries invalidated, misses, in the round
};

}  // namespace sim
