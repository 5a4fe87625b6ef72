// The driver's side of the fault log (iommu/fault_log.h): it reads the records the
// hardware appended, then empties the log (the records cleared, the log latched again
// with GCMD.SFL, which also clears an overflow) so that the next faults are logged from
// its start. What becomes of a record is the caller's: the host forwards a stage-1
// fault of a nested context to the guest's vIOMMU (host_vevents.cpp).
#include "host-sw/driver/iommu_driver.h"
#include "iommu/vtd_regs.h"

namespace sim {

std::vector<std::pair<unsigned, FaultRecord>> IommuDriver::drain_fault_logs() {
  std::vector<std::pair<unsigned, FaultRecord>> out;
  constexpr uint64_t kRecords = 4096 / 16;  // the one page boot() gave each log
  for (unsigned i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    uint64_t n = 0;
    for (; n < kRecords; ++n) {
      const uint64_t hi = env_.memory.read64(u.fault_log + n * 16 + 8);
      if (!(hi >> 63)) break;  // not valid: the hardware's next slot
      out.push_back({i, FaultRecord::decode(env_.memory.read64(u.fault_log + n * 16), hi)});
    }
    if (n == 0) continue;
    for (uint64_t k = 0; k < n * 2; ++k) env_.memory.write64(u.fault_log + k * 8, 0);
    const uint32_t cmd = vtd::QIE | vtd::SFL | (env_.hw.translate ? vtd::TE : 0);
    env_.mmio.write(u.hw.mmio_base + vtd::GCMD, cmd, 4, cpu_.now());
  }
  return out;
}

}  // namespace sim
