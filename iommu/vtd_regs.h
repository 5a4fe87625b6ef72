#pragma once
// The IOMMU's registers (a VT-d-like subset) in its 4 KiB MMIO page: the only way
// host software reaches the hardware besides memory.
#include <cstdint>

namespace sim::vtd {

inline constexpr uint64_t kMmioSize = 0x1000;

inline constexpr uint64_t GCMD = 0x18;    // global command (write)
inline constexpr uint64_t GSTS = 0x1C;    // global status (read)
inline constexpr uint64_t RTADDR = 0x20;  // root table address
inline constexpr uint64_t FSTS = 0x34;    // fault status (AFO bit 2: the fault log overflowed)
inline constexpr uint64_t AFLOG = 0x58;   // fault log base (63:12) | FLS (2:0): 2^FLS pages
inline constexpr uint64_t IQH = 0x80;     // invalidation queue head: byte offset (index * 16)
inline constexpr uint64_t IQT = 0x88;     // tail: writing it makes hardware process head..tail
inline constexpr uint64_t IQA =
    0x90;  // queue base (63:12) | QS (2:0): 2^QS pages of 256 descriptors

// GCMD / GSTS bits.
inline constexpr uint32_t TE = 1u << 31;    // translation enable
inline constexpr uint32_t SRTP = 1u << 30;  // set (latch) the root table pointer
inline constexpr uint32_t QIE = 1u << 26;   // queued invalidation enable
inline constexpr uint32_t SFL = 1u << 29;   // set (latch) the fault log pointer (GSTS: FLS)
inline constexpr uint32_t AFO = 1u << 2;    // FSTS: advanced fault overflow (write 1 to clear)

}  // namespace sim::vtd

namespace sim {
inline constexpr uint64_t kIommuMmioSize = vtd::kMmioSize;
}
