#include "platform/oracle.h"

#include <algorithm>

namespace sim {

Oracle::Oracle(StatsRegistry& stats)
    : post_final_(stats.counter("migration.post_final_writes", "count",
                                "DMA writes to guest pages after the final harvest started")),
      lost_(stats.counter("migration.lost_pages", "pages",
                          "guest pages whose destination copy is older than the source")),
      unexplained_(
          stats.counter("migration.unexplained_losses", "pages",
                        "lost pages no hazard explains (a simulator bug if ever non-zero)")) {}

void Oracle::dma_write(uint64_t pa, uint64_t len, Ps visible, Ps now) {
  if (pages_.empty()) return;  // no migration has copied anything: nothing to judge
  for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096) {
    // A page no copy has seen yet is judged from its first copy on, which reads its
    // generation then; only pages already sent need counting.
    auto it = pages_.find(p);
    if (it == pages_.end() || !it->second.tracked) continue;
    Page& pg = it->second;
    ++pg.gen;
    pg.last_write = visible;
    pg.last_issue = now;
    std::erase_if(pg.in_flight, [now](Ps v) { return v <= now; });
    if (visible > now) pg.in_flight.push_back(visible);
    if (final_started_) ++post_final_;
  }
}

void Oracle::stale_dirty_hit(uint64_t pa, Ps at) {
  auto it = pages_.find(pa & ~0xfffull);
  if (it == pages_.end()) return;  // not sent yet: its first copy will carry the write
  it->second.stale = true;
  it->second.last_stale = at;
}

void Oracle::stale_atc_write(uint64_t pa, Ps) {
  auto it = pages_.find(pa & ~0xfffull);
  if (it != pages_.end()) it->second.stale_atc = true;
}

void Oracle::copied(uint64_t pa_page, Ps at) {
  Page& pg = pages_[pa_page];
  pg.tracked = true;
  std::erase_if(pg.in_flight, [at](Ps v) { return v <= at; });
  pg.copied_gen = pg.gen - pg.in_flight.size();
  pg.copy_missed_in_flight = !pg.in_flight.empty();
  pg.last_copy = at;
}

void Oracle::final_harvest(Ps at) {
  final_started_ = true;
  final_at_ = at;
}

void Oracle::migration_done(Ps) {
  for (const auto& [pa, pg] : pages_) {
    if (!pg.tracked || pg.gen == pg.copied_gen) continue;
    std::string hazard;
    if (pg.last_issue >= final_at_ && final_started_)
      hazard = "write after the final harvest";
    else if (pg.copy_missed_in_flight)
      hazard = "write not yet visible at its copy";
    else if (pg.stale && pg.last_stale > 0)
      hazard = "stale dirty hit";
    else if (pg.stale_atc)
      hazard = "skipped device-TLB invalidation";
    else
      hazard = "unexplained";
    if (hazard == "unexplained") ++unexplained_;
    losses_.push_back({pa, pg.last_write, hazard});
  }
  std::sort(losses_.begin(), losses_.end(),
            [](const Loss& a, const Loss& b) { return a.pa < b.pa; });
  lost_ = losses_.size();
}

}  // namespace sim
