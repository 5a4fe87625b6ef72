#pragma once
// The fault log: a ring of 16-byte records in memory that the IOMMU appends a record
// to for every translation fault (after VT-d's advanced fault logging). Software
// programs its base and size (AFLOG) and latches it (GCMD.SFL), which also empties
// it; when it is full further faults are dropped and FSTS.AFO (overflow) is set.
// Record: word 0 the faulting address; word 1 the requester id (15:0), the reason
// (23:16), bit 24 set for a write, bits 26:25 the stage that faulted under nested
// translation (0 none: every fault of a non-nested context; 1 stage 1; 2 stage 2),
// bit 63 valid.
#include <cstdint>

#include "models/memory/sparse_memory.h"

namespace sim {

struct FaultRecord {
  uint64_t addr = 0;
  uint16_t sid = 0;
  uint8_t reason = 0;
  bool write = false;
  uint8_t stage = 0;  // WalkStage (nested_walker.h): 0 none, 1 stage 1, 2 stage 2
  static FaultRecord decode(uint64_t lo, uint64_t hi) {
    return {lo, uint16_t(hi), uint8_t(hi >> 16), bool(hi >> 24 & 1), uint8_t(hi >> 25 & 3)};
  }
};

class FaultLog {
 public:
  explicit FaultLog(SparseMemory& mem) : mem_(mem) {}
  void write_aflog(uint64_t v) { aflog_ = v; }
  uint64_t aflog() const { return aflog_; }
  // GCMD.SFL: the programmed log takes effect, empty, overflow cleared.
  void latch();
  bool enabled() const { return base_ != 0; }
  bool overflow() const { return overflow_; }
  void clear_overflow() { overflow_ = false; }
  // Appends a record; false when the log is off or full (then overflow is set).
  bool append(const FaultRecord& r);

 private:
  SparseMemory& mem_;
  uint64_t aflog_ = 0;  // base (63:12) | FLS (2:0): 2^FLS pages
  uint64_t base_ = 0, capacity_ = 0, next_ = 0;
  bool overflow_ = false;
};

}  // namespace sim
