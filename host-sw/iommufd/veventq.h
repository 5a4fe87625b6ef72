#pragma once
// A vIOMMU's event queue, the vEVENTQ (after the vEVENTQ half of iommufd's eventq.c and
// iommufd_viommu_report_event): the host driver reports events of one type for the
// guest (a stage-1 fault of a device behind the vIOMMU, named by its virtual ID), and
// the VMM reads them with read(2) on the queue's file, each behind an 8-byte header
// (struct iommufd_vevent_header: flags, sequence).
//
// The rules, as the kernel's: every report takes the next sequence number, which
// wraps from INT_MAX to 0. At most `depth` events wait; a report beyond them (or one
// whose allocation fails) is lost, and the queue's one LOST_EVENTS header (no data) is
// moved to the tail with that report's sequence number. The header only ever sits at
// the tail: the next event that is kept takes it off again, so after a loss the
// reader sees either the header or a gap in the sequence numbers. A read returns whole
// entries, oldest first, while the next fits in what is left of the buffer (a short
// buffer returns 0 bytes, the entries stay); reading the header does not free a slot.
#include <cstdint>
#include <deque>
#include <vector>

#include "host-sw/kernel/errno.h"

namespace sim {

struct Vevent {
  bool lost = false;  // the LOST_EVENTS header (IOMMU_VEVENTQ_FLAG_LOST_EVENTS)
  uint32_t sequence = 0;
  std::vector<uint8_t> data;  // the event as its type defines it; none for the header
};

class Veventq {
 public:
  static constexpr uint64_t kHeaderBytes = 8;
  static constexpr uint32_t kMaxSequence = 0x7fffffff;  // INT_MAX

  Veventq(uint32_t type, uint32_t depth) : type_(type), depth_(depth) {}
  uint32_t type() const { return type_; }
  uint32_t depth() const { return depth_; }

  // iommufd_viommu_report_event once the queue is found: kept, or lost (the queue
  // full, or `no_memory`: the event's allocation failed, then ENOMEM).
  Errno report(std::vector<uint8_t> data, bool no_memory = false);
  // read(2) with a buffer of `count` bytes: the entries returned (appended to `out`)
  // and the bytes they fill.
  uint64_t read(uint64_t count, std::vector<Vevent>& out);

  // Events waiting (the header not counted), and whether the header is queued.
  uint32_t num_events() const { return num_events_; }
  bool lost_queued() const { return lost_queued_; }
  uint32_t next_sequence() const { return sequence_; }
  // Tests: start the numbering elsewhere, to see it wrap.
  void set_next_sequence(uint32_t s) { sequence_ = s & kMaxSequence; }

 private:
  void queue(Vevent v);

  uint32_t type_, depth_;
  std::deque<Vevent> deliver_;
  bool lost_queued_ = false;  // then deliver_.back() is the header
  uint32_t num_events_ = 0, sequence_ = 0;
};

}  // namespace sim
