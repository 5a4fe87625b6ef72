#pragma once
// IOMMU_IOAS_CHANGE_PROCESS (after iommufd_ioas_change_process in
// drivers/iommu/iommufd/ioas.c): the pinned-page accounting of every pages object of
// an iommufd moves to the calling process (a new VMM after a live update). Every area
// of every IOAS must be a file's (MAP_FILE), else EINVAL and nothing changes: user
// memory's pages belong to the old mm. The new process is charged first, per mode, for
// the pages not yet its own (each pages object counted once, however many areas and
// IOASes share it): ENOMEM over its RLIMIT_MEMLOCK, nothing changed; then the old
// processes are uncharged and the pages objects change owner.
#include <vector>

#include "host-sw/iommufd/io_pagetable.h"

namespace sim {

// `ioases`: every IOAS of the context; `to`: the calling process (PinLedger index).
// `moved` receives the pages counted to the new process.
Errno change_process(const std::vector<IoPagetable*>& ioases, PinLedger& ledger, unsigned to,
                     uint64_t& moved);

}  // namespace sim
