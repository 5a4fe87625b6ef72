// The endpoint's DMA logger behind its registers (dma_log_regs.h): commands take the
// device `command_latency`; a report's bitmap leaves as memory-write TLPs on the
// device's own link, behind and before its DMA (so tracking costs link bytes and
// delays the data), and reaches host memory at the last TLP's arrival, when the
// command completes.
#include <map>

#include "pcie/dma_log_regs.h"
#include "pcie/endpoint.h"

namespace sim {

struct Endpoint::DmaLog {
  DmaLog(const DmaLoggingConfig& c, StatsRegistry& stats, const std::string& p)
      : logger(c),
        reports(stats.counter(p + "reports", "count", "DMA-log reports the device wrote")),
        report_bytes(stats.counter(p + "report_bytes", "bytes",
                                   "bitmap bytes the device's reports wrote over its link")),
        untracked(stats.counter(p + "untracked_writes", "count",
                                "write TLPs while logging that hit no tracked range")),
        overflowed(stats.counter(p + "overflowed_writes", "count",
                                 "write TLPs while logging that found the log full")),
        dropped(stats.counter(p + "dropped_pages", "pages",
                              "granules a stop dropped from the log unreported")) {}
  DirtyLogger logger;
  // The registers a command reads.
  uint64_t page_size = 0, range_start = 0, range_length = 0;
  uint64_t report_iova = 0, report_length = 0, report_addr = 0;
  std::vector<Range> ranges;  // pushed since the last start
  bool busy = false;
  LogStatus status = LogStatus::Ok;
  std::vector<uint64_t> bitmap;  // a report in flight
  // Side band: the physical page behind each 4 KiB IOVA page held in the log.
  std::map<uint64_t, uint64_t> held;
  uint64_t &reports, &report_bytes, &untracked, &overflowed, &dropped;
};

void Endpoint::DmaLogDelete::operator()(DmaLog* l) const {
  delete l;
}

void Endpoint::make_dma_log(StatsRegistry& stats) {
  log_.reset(new DmaLog(dev_.dma_logging, stats, component_ + ".dma_log."));
}

const DirtyLogger* Endpoint::dirty_logger() const {
  return log_ ? &log_->logger : nullptr;
}

bool Endpoint::log_mmio_read(uint64_t offset, uint64_t& value) const {
  if (offset != kLogStatus) return false;
  value = log_ ? (log_->busy ? kLogBusy : 0) | uint64_t(log_->status) << kLogStatusShift
               : uint64_t(LogStatus::Unsupported) << kLogStatusShift;
  return true;
}

bool Endpoint::log_mmio_write(uint64_t offset, uint64_t value, Ps at) {
  if (offset < kLogRegsBase || offset > kLogStatus) return false;
  if (!log_) return true;  // no logger: the registers ignore writes
  DmaLog& l = *log_;
  switch (offset) {
    case kLogPageSize:
      l.page_size = value;
      break;
    case kLogRangeStart:
      l.range_start = value;
      break;
    case kLogRangeLength:
      l.range_length = value;
      break;
    case kLogRangePush:
      l.ranges.push_back({l.range_start, l.range_length});
      break;
    case kLogReportIova:
      l.report_iova = value;
      break;
    case kLogReportLength:
      l.report_length = value;
      break;
    case kLogReportAddr:
      l.report_addr = value;
      break;
    case kLogCommand:
      if (!l.busy) log_command(value, at);
      break;
  }
  return true;
}

void Endpoint::log_command(uint64_t cmd, Ps at) {
  DmaLog& l = *log_;
  const Ps ready = at + l.logger.config().command_latency;
  Ps done = ready;
  l.busy = true;
  l.bitmap.clear();
  if (cmd == kLogCmdStart) {
    l.status = l.logger.start(std::move(l.ranges), l.page_size);
    l.ranges.clear();
    l.held.clear();
  } else if (cmd == kLogCmdStop) {
    l.status = LogStatus::Ok;
    const bool overflowed = l.logger.overflowed();
    l.dropped += l.logger.stop();
    for (const auto& [iova, pa] : l.held)
      if (on_log_dropped) on_log_dropped(pa, overflowed, at);
    l.held.clear();
  } else if (cmd == kLogCmdReport) {
    l.status = l.logger.report(l.report_iova, l.report_length, l.bitmap);
    if (l.status == LogStatus::Ok) {
      // What it hands out is no longer held.
      const uint64_t g = l.logger.page_size();
      for (uint64_t w = 0; w < l.bitmap.size(); ++w)
        for (uint64_t bits = l.bitmap[w]; bits; bits &= bits - 1) {
          const uint64_t lo = l.report_iova + (w * 64 + uint64_t(__builtin_ctzll(bits))) * g;
          l.held.erase(l.held.lower_bound(lo), l.held.lower_bound(lo + g));
        }
      // The bitmap goes up the link as memory writes, after whatever is queued there.
      chunks_.clear();
      split_tlps(l.report_addr, l.bitmap.size() * 8, pcie_.mps, chunks_);
      for (const Chunk& c : chunks_) done = tx_.send(ready, c.len + ovh_.mwr);
      ++l.reports;
      l.report_bytes += l.bitmap.size() * 8;
    }
  } else {
    l.status = LogStatus::BadArgument;
  }
  if (trace_.enabled())
    trace_.record(at, component_, "dma_log",
                  {TraceField::dec("command", cmd), TraceField::dec("status", uint64_t(l.status)),
                   TraceField::dec("bytes", l.bitmap.size() * 8)});
  d_.schedule(done, Rank::Device, this, kLogDone);
}

void Endpoint::log_done(Ps) {
  DmaLog& l = *log_;
  if (!l.bitmap.empty() && on_log_write)
    on_log_write(l.report_addr, l.bitmap.data(), l.bitmap.size() * 8);
  l.bitmap.clear();
  l.busy = false;
}

void Endpoint::log_write(const Tlp& tlp, uint64_t pa, Ps now) {
  DmaLog& l = *log_;
  const DirtyLogger::Hit hit = l.logger.record(tlp.addr, tlp.len);
  // Before the first start nobody asked; after one, a write while stopped is missed.
  if (hit == DirtyLogger::Hit::Idle && !l.logger.ever_started()) return;
  if (hit == DirtyLogger::Hit::Logged) {
    l.held[tlp.addr & ~0xfffull] = pa & ~0xfffull;
    return;
  }
  if (hit == DirtyLogger::Hit::Untracked) ++l.untracked;
  if (hit == DirtyLogger::Hit::Overflowed) ++l.overflowed;
  if (on_unlogged_write) on_unlogged_write(pa, tlp.len, hit, now);
}

}  // namespace sim
