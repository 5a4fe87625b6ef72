#pragma once
// The IOMMU's register file as software sees it through MMIO (VT-d's offsets,
// iommu/vtd_regs.h): global command and status, the root-table pointer, the
// invalidation queue's registers and the fault log's.
#include <cstdint>

#include "iommu/fault_log.h"
#include "iommu/inv_queue.h"
#include "iommu/vtd_regs.h"
#include "models/base/units.h"

namespace sim {

class RegisterFile {
 public:
  // `passthrough`: the platform keeps translation off whatever software enables.
  RegisterFile(bool passthrough, InvQueue& queue, FaultLog& fault_log)
      : passthrough_(passthrough), queue_(queue), fault_log_(fault_log) {}

  uint64_t read(uint64_t offset) const;
  void write(uint64_t offset, uint64_t value, Ps at);

  bool translation_enabled() const { return gsts_ & vtd::TE; }
  // The root table latched by GCMD.SRTP (0: none yet).
  uint64_t root_table() const { return root_table_; }

 private:
  bool passthrough_;
  InvQueue& queue_;
  FaultLog& fault_log_;
  uint32_t gsts_ = 0;
  uint64_t rtaddr_ = 0, root_table_ = 0;
};

}  // namespace sim
