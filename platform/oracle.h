#pragma once
// The generation oracle: every guest page has a write generation, bumped by each DMA
// write that reaches it; a migration's copy snapshots it. After the migration a page
// whose destination generation differs from the source's is lost, and each loss is
// explained by the hazard behind its missed write. Only a simulator can do this.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "host-sw/driver/migration_observer.h"
#include "models/report/stats.h"

namespace sim {

class Oracle : public MigrationObserver {
 public:
  explicit Oracle(StatsRegistry& stats);

  // A DMA write reached memory at `now` and becomes visible to reads at `visible`
  // (a copy before then misses it: what the invalidation drain is for).
  void dma_write(uint64_t pa, uint64_t len, Ps visible, Ps now);
  void dma_write(uint64_t pa, uint64_t len, Ps at) { dma_write(pa, len, at, at); }
  void stale_dirty_hit(uint64_t pa, Ps at);  // the IOMMU let a write skip D
  void stale_atc_write(uint64_t pa, Ps at);  // a device's cached write grant did
  void copied(uint64_t pa_page, Ps at) override;
  void final_harvest(Ps at) override;
  void migration_done(Ps at) override;

  struct Loss {
    uint64_t pa;
    Ps write_at;
    std::string hazard;
  };
  const std::vector<Loss>& losses() const { return losses_; }

 private:
  struct Page {
    uint64_t gen = 0, copied_gen = 0;
    Ps last_write = 0, last_issue = 0, last_copy = 0, last_stale = 0;  // write: visible, reached
    bool stale = false, stale_atc = false, tracked = false;
    bool copy_missed_in_flight = false;  // the last copy ran before a write was visible
    std::vector<Ps> in_flight;           // visibility times of writes not yet visible
  };
  std::unordered_map<uint64_t, Page> pages_;  // looked up only; losses are sorted
  bool final_started_ = false;
  Ps final_at_ = 0;
  uint64_t& post_final_;
  uint64_t& lost_;
  uint64_t& unexplained_;
  std::vector<Loss> losses_;
};

}  // namespace sim
