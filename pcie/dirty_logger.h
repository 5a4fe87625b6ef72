#pragma once
// An endpoint's own DMA dirty logger (VFIO migration v2 device DMA logging): the host
// starts it with a page size and a fixed list of IOVA ranges; from then on every DMA
// write of the device that lands in a range marks its pages in an on-device log of
// bounded capacity; a report hands out (and clears) a range's bits; stop forgets
// everything. A write outside the ranges is not logged (the ranges are fixed at
// start), and a write that finds the log full overflows it: every later report fails
// until the logger is stopped. Plain C++: the endpoint (endpoint_dma_log.cpp) drives it
// from its registers and writes reports over its link.
#include <cstdint>
#include <vector>

#include "models/base/units.h"

namespace sim {

class ConfigReader;

// devices[].dma_logging: what the device's logger can do (it has none unless enabled).
struct DmaLoggingConfig {
  bool enabled = false;
  unsigned max_ranges = 4;           // IOVA ranges one start may track
  uint64_t min_page_size = 4096;     // the granules it logs at: powers of two
  uint64_t max_page_size = 1 << 21;  // between these
  uint64_t capacity = 1 << 20;       // dirty granules the log holds between reports
  Ps command_latency = 2 * kUs;      // the device's time to act on a command
};
DmaLoggingConfig load_dma_logging(ConfigReader& r);

// What the device answers a command (the host driver turns it into an errno).
enum class LogStatus : uint8_t {
  Ok,
  Unsupported,     // the device has no logger
  TooManyRanges,   // more ranges than max_ranges
  BadArgument,     // page size, alignment, overlap, empty list or range
  AlreadyStarted,  // start while logging
  NotStarted,      // report while not logging
  Overflow,        // the log filled since start: reports fail until stop
};

class DirtyLogger {
 public:
  explicit DirtyLogger(const DmaLoggingConfig& c) : c_(c) {}

  LogStatus start(std::vector<Range> ranges, uint64_t page_size);
  // Forgets the ranges and the log; returns the dirty granules it dropped unreported.
  uint64_t stop();
  enum class Hit : uint8_t { Logged, Untracked, Overflowed, Idle };
  // A DMA write of the device: what became of each of its granules, the worst.
  Hit record(uint64_t iova, uint64_t len);
  // [iova, iova + length) into `bits` (bit i: granule i dirty, u64 words) and clears
  // what it reports; a granule outside every range reads clean.
  LogStatus report(uint64_t iova, uint64_t length, std::vector<uint64_t>& bits);

  bool active() const { return active_; }
  bool ever_started() const { return ever_started_; }
  bool overflowed() const { return overflowed_; }
  uint64_t page_size() const { return page_; }
  uint64_t entries() const { return entries_; }  // dirty granules held
  const std::vector<Range>& ranges() const { return ranges_; }
  const DmaLoggingConfig& config() const { return c_; }

 private:
  // The range holding `iova`, or -1.
  int find(uint64_t iova) const;

  DmaLoggingConfig c_;
  bool active_ = false, overflowed_ = false, ever_started_ = false;
  uint64_t page_ = 0, entries_ = 0;
  std::vector<Range> ranges_;                // sorted, disjoint
  std::vector<std::vector<uint64_t>> bits_;  // per range, a bit per granule
};

}  // namespace sim
