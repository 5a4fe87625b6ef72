#pragma once
// The DMA logger's registers in an endpoint's control page (host MMIO, 8-byte
// registers), as the device's datasheet would give them to its host driver. A start
// is: PAGE_SIZE, then each range's START and LENGTH followed by a write to PUSH, then
// COMMAND = START. A report is: REPORT_IOVA, REPORT_LENGTH, REPORT_ADDR (the host
// physical address of a buffer of at least one bit per granule, in u64 words), then
// COMMAND = REPORT; the device writes the bitmap there over its link. STATUS reads
// bit 0 set while a command runs, and the LogStatus of the last command in bits 8-15.
#include <cstdint>

namespace sim {

inline constexpr uint64_t kLogRegsBase = 0x100;
inline constexpr uint64_t kLogPageSize = 0x100, kLogRangeStart = 0x108, kLogRangeLength = 0x110,
                          kLogRangePush = 0x118, kLogReportIova = 0x120, kLogReportLength = 0x128,
                          kLogReportAddr = 0x130, kLogCommand = 0x138, kLogStatus = 0x140;
inline constexpr uint64_t kLogCmdStart = 1, kLogCmdReport = 2, kLogCmdStop = 3;
inline constexpr uint64_t kLogBusy = 1, kLogStatusShift = 8;

}  // namespace sim
