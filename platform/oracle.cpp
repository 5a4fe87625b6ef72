#include "platform/oracle.h"

namespace sim {

Oracle::Oracle(StatsRegistry& stats)
    : post_final_(stats.counter("migration.post_final_writes", "count",
                                "DMA writes to guest pages after the final harvest started")),
      lost_(stats.counter("migration.lost_pages", "pages",
                          "guest pages whose destination copy is older than the source")),
      unexplained_(
          stats.counter("migration.unexplained_losses", "pages",
                        "lost pages no hazard explains (a simulator bug if ever non-zero)")),
      over_reported_(stats.counter(
          "migration.over_reported_pages", "pages",
          "copies of a page no write reached since its last copy (the tracker reported it "
          "clean)")) {}

void Oracle::dma_write(uint64_t pa, uint64_t len, Ps visible, Ps now) {
  if (!any_tracked_) return;  // no migration has copied anything: nothing to judge
  for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096) {
    // A page no copy has seen yet is judged from its first copy on, which reads its
    // generation then; only pages already sent need counting.
    const uint64_t frame = p >> 12;
    if (frame != memo_frame_) {
      if (!frames_.test(frame, kTracked)) continue;
      dirty_pages_ += frames_.set(frame, kDirty);  // one generation more than the copy holds
      memo_note_ = &notes_.get(frame);
      memo_frame_ = frame;
    }
    Note& n = *memo_note_;
    n.last_write = visible;
    n.last_issue = now;
    n.max_visible = visible > n.max_visible ? visible : n.max_visible;
    if (final_started_) ++post_final_;
  }
}

Oracle::Note& Oracle::marked(uint64_t frame) {
  memo_frame_ = kNoFrame;  // the table may grow and move the memo's note
  return notes_.get(frame);
}

void Oracle::access_write(uint64_t pa, uint64_t len, Ps at) {
  dma_write(pa, len, at);
  for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096)
    if (Note* n = notes_.find(p >> 12)) n->access_write = true;
}

void Oracle::stale_dirty_hit(uint64_t pa, Ps at) {
  const uint64_t frame = pa >> 12;
  if (!frames_.test(frame, kTracked)) return;  // not sent yet: its first copy will carry the write
  Note& n = marked(frame);
  n.stale = true;
  n.stale_at_nonzero = at > 0;
}

void Oracle::stale_atc_write(uint64_t pa, Ps) {
  const uint64_t frame = pa >> 12;
  if (frames_.test(frame, kTracked)) marked(frame).stale_atc = true;
}

void Oracle::unlogged_write(uint64_t pa, uint64_t len, LogMiss why) {
  for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096)
    if (Note* n = notes_.find(p >> 12))
      n->device_log = why == LogMiss::Overflow  ? Note::kOverflow
                      : why == LogMiss::Stopped ? Note::kStopped
                                                : Note::kUntracked;
}

void Oracle::log_dropped(uint64_t pa, bool overflowed) {
  if (Note* n = notes_.find(pa >> 12))
    n->device_log = overflowed ? Note::kOverflow : Note::kDropped;
}

void Oracle::iommu_log_dropped(uint64_t pa, uint64_t len) {
  for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096)
    if (frames_.test(p >> 12, kTracked)) marked(p >> 12).iommu_log_dropped = true;
}

// The copy takes the generation less the writes not yet visible at `at`: it differs
// from the source exactly when some write's visibility is still ahead.
void Oracle::copied(uint64_t pa_page, Ps at) {
  const uint64_t frame = pa_page >> 12;
  memo_frame_ = kNoFrame;  // its dirty bit may clear and a note move
  const bool dirty = frames_.test(frame, kDirty);
  const bool first_copy = frames_.set(frame, kTracked);
  if (!first_copy && !dirty) ++over_reported_;
  any_tracked_ = true;
  if (!dirty) {
    if (notes_.size() > dirty_pages_)
      if (Note* n = notes_.find(frame)) n->copy_missed_in_flight = false;
    return;
  }
  Note* n = notes_.find(frame);
  const bool missed = n->max_visible > at;
  n->copy_missed_in_flight = missed;
  if (missed) return;
  dirty_pages_ -= frames_.reset(frame, kDirty);
  if (!sticky(*n)) notes_.erase(frame);
  if (unmaps_.find(frame)) unmaps_.erase(frame);
}

void Oracle::unmapped(uint64_t pa_page, Ps read_at, Ps done_at, UnmapKind kind) {
  const uint64_t frame = pa_page >> 12;
  if (!frames_.test(frame, kDirty)) return;  // nothing written since its copy: nothing to lose
  const Note& n = *notes_.find(frame);
  // The first unmap after the last write is the one that took its D bit.
  if (const UnmapMark* m = unmaps_.find(frame); m && m->done_at > n.last_issue) return;
  unmaps_.get(frame) = {read_at, done_at, kind};
}

std::string Oracle::unmap_hazard(uint64_t frame, const Note& n) {
  const UnmapMark* m = unmaps_.find(frame);
  if (!m || n.last_issue >= m->done_at) return "";  // written again after the remap
  switch (m->kind) {
    case UnmapKind::Plain:
      return "write before a plain unmap discarded its D bit";
    case UnmapKind::NoClearThenUnmap:
      if (n.last_issue >= m->read_at) return "write after the NO_CLEAR read and before the unmap";
      return "";
    case UnmapKind::Atomic:
      return "";
  }
  return "";
}

void Oracle::final_harvest(Ps at) {
  final_started_ = true;
  final_at_ = at;
}

void Oracle::migration_done(Ps) {
  // Frames in ascending order: the losses come out sorted by address.
  for (uint64_t f = frames_.next(0, kDirty); f != kNoFrame; f = frames_.next(f + 1, kDirty)) {
    const Note& n = *notes_.find(f);
    std::string hazard;
    if (n.last_issue >= final_at_ && final_started_)
      hazard = "write after the final harvest";
    else if (n.copy_missed_in_flight)
      hazard = "write not yet visible at its copy";
    // A write the logging device never logged is lost whatever became of its mapping
    // after (an unmap discards D bits, which device logging does not read).
    else if (n.device_log == Note::kUntracked)
      hazard = "write to a range the device does not log";
    else if (std::string u = unmap_hazard(f, n); !u.empty())
      hazard = u;
    else if (n.stale && n.stale_at_nonzero)
      hazard = "stale dirty hit";
    else if (n.stale_atc)
      hazard = "skipped device-TLB invalidation";
    else if (n.device_log == Note::kOverflow)
      hazard = "device log overflow ignored";
    else if (n.device_log == Note::kStopped)
      hazard = "write while device logging was stopped";
    else if (n.device_log == Note::kDropped)
      hazard = "device log dropped by a stop";
    else if (n.iommu_log_dropped)
      hazard = "log overflow ignored";
    else if (n.access_write)
      hazard = "CPU write by an in-kernel access (no tracker sees it)";
    else
      hazard = "unexplained";
    if (hazard == "unexplained") ++unexplained_;
    losses_.push_back({f << 12, n.last_write, hazard});
  }
  lost_ = losses_.size();
}

}  // namespace sim
