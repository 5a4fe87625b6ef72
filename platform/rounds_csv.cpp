#include "platform/rounds_csv.h"

#include <cstdio>

namespace sim {

std::string rounds_csv(const std::vector<MigrationRound>& rounds) {
  std::string csv =
      "round,final,start_ps,reported_pages,copied_pages,harvest_ps,copy_ps,walk_ps,clear_ps,"
      "bitmap_ps,submit_ps,wait_ps,page_descs,domain_descs,context_descs,pages_cleared,"
      "pages_covered,amplification,entries_killed,misses\n";
  for (const MigrationRound& r : rounds) {
    const HostAccounts& c = r.cost;
    char amp[32];
    std::snprintf(amp, sizeof amp, "%.3f", c.amplification());
    for (uint64_t v :
         {uint64_t(r.round), uint64_t(r.final), r.start, r.reported, r.copied, r.harvest_ps,
          r.copy_ps, c.walk, c.clear, c.bitmap, c.submit, c.wait, c.page_descs, c.domain_descs,
          c.context_descs, c.cleared_pages, c.covered_pages})
      csv += std::to_string(v) + ",";
    csv +=
        std::string(amp) + "," + std::to_string(r.killed) + "," + std::to_string(r.misses) + "\n";
  }
  return csv;
}

}  // namespace sim
