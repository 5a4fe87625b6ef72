// MMIO reads and writes of the IOMMU's registers: what each one latches or starts.
#include "iommu/register_file.h"

namespace sim {

uint64_t RegisterFile::read(uint64_t offset) const {
  switch (offset) {
    case vtd::GSTS:
      return gsts_;
    case vtd::FSTS:
      return fault_log_.overflow() ? vtd::AFO : 0;
    case vtd::AFLOG:
      return fault_log_.aflog();
    case vtd::RTADDR:
      return rtaddr_;
    case vtd::IQH:
      return queue_.head();
    case vtd::IQT:
      return queue_.tail();
    case vtd::IQA:
      return queue_.iqa();
    default:
      return 0;
  }
}

void RegisterFile::write(uint64_t offset, uint64_t value, Ps at) {
  switch (offset) {
    case vtd::GCMD: {
      uint32_t cmd = uint32_t(value);
      if (cmd & vtd::SRTP) {
        root_table_ = rtaddr_;
        gsts_ |= vtd::SRTP;
      }
      if (cmd & vtd::SFL) {
        fault_log_.latch();
        gsts_ |= vtd::SFL;
      }
      if (passthrough_) cmd &= ~vtd::TE;  // the platform keeps translation off
      gsts_ = (gsts_ & (vtd::SRTP | vtd::SFL)) | (cmd & (vtd::TE | vtd::QIE));
      return;
    }
    case vtd::AFLOG:
      fault_log_.write_aflog(value);
      return;
    case vtd::FSTS:
      if (value & vtd::AFO) fault_log_.clear_overflow();
      return;
    case vtd::RTADDR:
      rtaddr_ = value & ~0xfffull;
      return;
    case vtd::IQA:
      queue_.write_iqa(value);
      return;
    case vtd::IQT:
      if (gsts_ & vtd::QIE) queue_.write_tail(value, at);
      return;
    default:
      return;
  }
}

}  // namespace sim
