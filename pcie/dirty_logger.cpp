#include "pcie/dirty_logger.h"

#include <algorithm>

#include "models/config/config.h"

namespace sim {

DmaLoggingConfig load_dma_logging(ConfigReader& r) {
  DmaLoggingConfig c;
  c.enabled = r.boolean("enabled", false);
  c.max_ranges = unsigned(r.integer("max_ranges", c.max_ranges, 1, 256));
  c.min_page_size = r.size("min_page_size", c.min_page_size);
  c.max_page_size = r.size("max_page_size", c.max_page_size);
  auto granule = [&r](const char* key, uint64_t v) {
    if (v < 4096 || (v & (v - 1))) r.fail(key, "expected a power of two of at least 4KiB");
  };
  granule("min_page_size", c.min_page_size);
  granule("max_page_size", c.max_page_size);
  if (c.max_page_size < c.min_page_size) r.fail("max_page_size", "expected at least min_page_size");
  c.capacity = uint64_t(r.integer("capacity", int64_t(c.capacity), 1, int64_t(1) << 40));
  c.command_latency = r.time_ps("command_latency", c.command_latency);
  return c;
}

LogStatus DirtyLogger::start(std::vector<Range> ranges, uint64_t page_size) {
  if (!c_.enabled) return LogStatus::Unsupported;
  if (active_) return LogStatus::AlreadyStarted;
  if (ranges.empty() || page_size < c_.min_page_size || page_size > c_.max_page_size ||
      (page_size & (page_size - 1)))
    return LogStatus::BadArgument;
  if (ranges.size() > c_.max_ranges) return LogStatus::TooManyRanges;
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.start < b.start; });
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range& g = ranges[i];
    if (!g.length || g.start % page_size || g.length % page_size || g.end() < g.start)
      return LogStatus::BadArgument;
    if (i && ranges[i - 1].end() > g.start) return LogStatus::BadArgument;
  }
  ranges_ = std::move(ranges);
  bits_.clear();
  for (const Range& g : ranges_) bits_.emplace_back((g.length / page_size + 63) / 64, 0);
  page_ = page_size;
  entries_ = 0;
  overflowed_ = false;
  active_ = ever_started_ = true;
  return LogStatus::Ok;
}

uint64_t DirtyLogger::stop() {
  const uint64_t dropped = entries_;
  active_ = overflowed_ = false;
  ranges_.clear();
  bits_.clear();
  entries_ = page_ = 0;
  return dropped;
}

int DirtyLogger::find(uint64_t iova) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), iova,
                             [](uint64_t a, const Range& g) { return a < g.start; });
  if (it == ranges_.begin()) return -1;
  --it;
  return iova < it->end() ? int(it - ranges_.begin()) : -1;
}

DirtyLogger::Hit DirtyLogger::record(uint64_t iova, uint64_t len) {
  if (!active_) return Hit::Idle;
  Hit worst = Hit::Logged;
  for (uint64_t g = iova & ~(page_ - 1); g < iova + len; g += page_) {
    const int r = find(g);
    if (r < 0) {
      worst = std::max(worst, Hit::Untracked);
      continue;
    }
    const uint64_t bit = (g - ranges_[r].start) / page_;
    uint64_t& word = bits_[r][bit / 64];
    const uint64_t mask = uint64_t(1) << (bit % 64);
    if (word & mask) continue;
    if (overflowed_ || entries_ == c_.capacity) {
      overflowed_ = true;  // the page is lost to the log: no later report is whole
      worst = std::max(worst, Hit::Overflowed);
      continue;
    }
    word |= mask;
    ++entries_;
  }
  return worst;
}

LogStatus DirtyLogger::report(uint64_t iova, uint64_t length, std::vector<uint64_t>& out) {
  if (!active_) return LogStatus::NotStarted;
  if (!length || iova % page_ || length % page_ || iova + length < iova)
    return LogStatus::BadArgument;
  if (overflowed_) return LogStatus::Overflow;
  const uint64_t n = length / page_;
  out.assign((n + 63) / 64, 0);
  for (size_t r = 0; r < ranges_.size(); ++r) {
    const uint64_t lo = std::max(iova, ranges_[r].start);
    const uint64_t hi = std::min(iova + length, ranges_[r].end());
    for (uint64_t g = lo; g < hi; g += page_) {
      const uint64_t bit = (g - ranges_[r].start) / page_;
      uint64_t& word = bits_[r][bit / 64];
      const uint64_t mask = uint64_t(1) << (bit % 64);
      if (!(word & mask)) continue;
      word &= ~mask;
      --entries_;
      const uint64_t o = (g - iova) / page_;
      out[o / 64] |= uint64_t(1) << (o % 64);
    }
  }
  return LogStatus::Ok;
}

}  // namespace sim
