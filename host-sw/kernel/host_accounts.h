#pragma once
// Where the host's dirty-tracking time goes, by kind of work, and what its flushes
// covered: running totals that a migration turns into per-round figures.
#include <cstdint>

#include "models/base/units.h"

namespace sim {

struct HostAccounts {
  Ps walk = 0, clear = 0, bitmap = 0, submit = 0, wait = 0;
  uint64_t cleared_pages = 0;  // 4 KiB pages whose leaf D bit a harvest cleared
  uint64_t covered_pages = 0;  // 4 KiB pages the harvests' IOTLB invalidations covered
  uint64_t page_descs = 0, domain_descs = 0, context_descs = 0;

  HostAccounts operator-(const HostAccounts& o) const {
    return {walk - o.walk,
            clear - o.clear,
            bitmap - o.bitmap,
            submit - o.submit,
            wait - o.wait,
            cleared_pages - o.cleared_pages,
            covered_pages - o.covered_pages,
            page_descs - o.page_descs,
            domain_descs - o.domain_descs,
            context_descs - o.context_descs};
  }
  // Pages covered per page cleared (0 when nothing was cleared).
  double amplification() const {
    return cleared_pages ? double(covered_pages) / double(cleared_pages) : 0.0;
  }
};

}  // namespace sim
