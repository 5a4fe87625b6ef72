// `migrate`'s `split_to`: the huge leaves of every dirty-tracking HWPT on the IOAS are
// split before round 0, so each harvest reports the small pages written instead of the
// whole huge leaf, and merged back after the final copy (driver_split.cpp does both).
#include "host-sw/vmm/host.h"

namespace sim {

Task<> Host::split_for_migration(const std::string& ioas, unsigned shift, bool merge) {
  const IoPagetable& iopt = ioas_[ioas]->iopt;
  for (auto& [name, h] : hwpts_) {
    if (h.ioas != ioas || !h.dirty_capable) continue;
    if (merge) {
      co_await drv_.merge_leaves(*h.domain, 0, UINT64_MAX);
      continue;
    }
    for (const auto& [iova, a] : iopt.areas())
      co_await drv_.split_leaves(*h.domain, a.iova, a.length, shift);
  }
}

}  // namespace sim
