#pragma once
// The generation oracle: every guest page has a write generation, bumped by each DMA
// write that reaches it; a migration's copy snapshots it. After the migration a page
// whose destination generation differs from the source's is lost, and each loss is
// explained by the hazard behind its missed write. Only a simulator can do this.
//
// Only whether the generations differ matters, so a page's state is two bits (copied
// at least once; written since its last copy or a write was in flight at it), flat
// over page frames: 2 bits per guest page (64 MiB for a 1 TiB guest), no record per
// page. The times that explain a loss and the sticky hazard marks are kept in a flat
// table only for pages written since their last copy (or marked by a hazard), and
// dropped when the page is copied clean: under 100 bytes per such page (48-byte
// slots at most half full), so bounded by what a round dirties, not by the guest.
#include <cstdint>
#include <string>
#include <vector>

#include "host-sw/driver/migration_observer.h"
#include "models/base/frame_map.h"
#include "models/report/stats.h"
#include "platform/frame_bits.h"

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
  // Device DMA logging side bands: a write that landed while the device was logging
  // but was not logged (outside its ranges, or its log full), and a logged page a
  // stop dropped before any report handed it out.
  enum class LogMiss : uint8_t { Untracked, Overflow, Stopped };
  void unlogged_write(uint64_t pa, uint64_t len, LogMiss why);
  void log_dropped(uint64_t pa, bool overflowed);
  // An IOMMU dirty-log ring was full when the walker set D on this leaf: its entry was
  // dropped (a harvest that ignores the overflow never learns of the pages).
  void iommu_log_dropped(uint64_t pa, uint64_t len);
  void copied(uint64_t pa_page, Ps at) override;
  // The guest CPU's writes (its IOMMU driver's page tables) count as guest writes.
  void guest_write(uint64_t pa, Ps at) override { dma_write(pa, 8, at); }
  // An in-kernel access's CPU write: a guest write no tracker reports.
  void access_write(uint64_t pa, uint64_t len, Ps at) override;
  void final_harvest(Ps at) override;
  void migration_done(Ps at) override;
  void unmapped(uint64_t pa_page, Ps read_at, Ps done_at, UnmapKind kind) override;

  struct Loss {
    uint64_t pa;
    Ps write_at;
    std::string hazard;
  };
  const std::vector<Loss>& losses() const { return losses_; }
  // Bytes of the per-page state (frame bitmaps and the table), for the scale bench.
  uint64_t state_bytes() const { return frames_.bytes() + notes_.bytes() + unmaps_.bytes(); }

 private:
  // What a page written since its last copy (or marked by a hazard) needs remembered.
  struct Note {
    Ps last_write = 0, last_issue = 0;  // the last write: visible, reached memory
    Ps max_visible = 0;                 // the latest visibility of any write
    bool stale = false, stale_at_nonzero = false, stale_atc = false;
    bool copy_missed_in_flight = false;  // the last copy ran before a write was visible
    bool iommu_log_dropped = false;      // a full IOMMU dirty-log ring dropped its D set
    bool access_write = false;           // an in-kernel access wrote it since its copy
    enum : uint8_t { kLogged, kUntracked, kOverflow, kStopped, kDropped } device_log = kLogged;
  };
  // A dropped log entry is sticky too: the leaf's D bit stays set past the page's
  // copy, so no later write to it is logged either.
  static bool sticky(const Note& n) { return n.stale || n.stale_atc || n.iommu_log_dropped; }
  // The frame's note for a hazard mark, made if new (forgets the write memo).
  Note& marked(uint64_t frame);

  // Per frame, side by side: every DMA write reads kTracked and sets kDirty.
  enum Plane : unsigned {
    kTracked,  // copied at least once: judged from its first copy on
    kDirty,    // generation differs from the copy's (written since, or in flight)
  };
  FrameBits<2> frames_;
  // Every dirty page has a note; a clean page has one only when a hazard marked it.
  // With no such note (notes_.size() == dirty_pages_), a clean page's copy skips the
  // probe: a random frame's, so a cache miss per page of a round.
  FrameMap<Note> notes_;
  uint64_t dirty_pages_ = 0;
  // The frame the last DMA write judged (tracked, dirty since) and its note: most
  // writes follow one to the same page (a request's TLPs), and skip the bitmap and the
  // table. Forgotten by copied() and marked(), the only others that change either.
  uint64_t memo_frame_ = kNoFrame;
  Note* memo_note_ = nullptr;
  // The unmap that went after a page's last write (its D bit gone with the PTE), for
  // pages written since their last copy whose mapping a churn removed; dropped with
  // the note when the page is copied clean.
  struct UnmapMark {
    Ps read_at = 0, done_at = 0;
    UnmapKind kind = UnmapKind::Plain;
  };
  FrameMap<UnmapMark> unmaps_;
  // The hazard an unmap explains for a page lost with note `n` ("" when none).
  std::string unmap_hazard(uint64_t frame, const Note& n);
  bool any_tracked_ = false;
  bool final_started_ = false;
  Ps final_at_ = 0;
  uint64_t& post_final_;
  uint64_t& lost_;
  uint64_t& unexplained_;
  uint64_t& over_reported_;  // copies of a page no write reached since its last copy
  std::vector<Loss> losses_;
};

}  // namespace sim
