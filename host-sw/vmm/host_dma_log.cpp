// VFIO migration v2 device DMA logging as the host sees it (the variant driver's share
// of VFIO_DEVICE_FEATURE_DMA_LOGGING_START / REPORT / STOP): commands through the
// device's registers (pcie/dma_log_regs.h), each polled to completion; a report's
// bitmap lands in a kernel buffer the device writes over its link, which the host
// then reads back into IOVA ranges.
#include "host-sw/vmm/host.h"
#include "pcie/dirty_logger.h"
#include "pcie/dma_log_regs.h"

namespace sim {

namespace {
// The uAPI's limit on one START's ranges (the core refuses more before the driver).
constexpr size_t kLogMaxRanges = 256;

Errno log_errno(LogStatus s) {
  switch (s) {
    case LogStatus::Ok:
      return Errno::Ok;
    case LogStatus::Unsupported:
      return Errno::Enotty;
    case LogStatus::TooManyRanges:
      return Errno::E2big;
    case LogStatus::Overflow:
      return Errno::Eio;
    case LogStatus::BadArgument:
    case LogStatus::AlreadyStarted:
    case LogStatus::NotStarted:
      return Errno::Einval;
  }
  return Errno::Einval;
}
}  // namespace

std::vector<std::string> Host::ioas_devices(const std::string& ioas) const {
  std::vector<std::string> out;
  for (const auto& [key, hwpt] : attached_)
    if (hwpts_.at(hwpt).ioas == ioas && std::find(out.begin(), out.end(), key.first) == out.end())
      out.push_back(key.first);
  return out;
}

Task<Errno> Host::dma_log_command(const HardwareInfo::Device& dev, uint64_t cmd) {
  env_.mmio.write(dev.ctrl + kLogCommand, cmd, 8, cpu_.now());
  co_await cpu_.charge(cpu_.cost().mmio);
  uint64_t st = env_.mmio.read(dev.ctrl + kLogStatus, 8, cpu_.now());
  while (st & kLogBusy) {
    co_await cpu_.charge(cpu_.cost().poll);
    st = env_.mmio.read(dev.ctrl + kLogStatus, 8, cpu_.now());
  }
  co_return log_errno(LogStatus(st >> kLogStatusShift));
}

Task<Errno> Host::dma_logging_start(const std::string& device, const std::vector<Range>& ranges,
                                    uint64_t page_size) {
  const HardwareInfo::Device* dev = device_info(device);
  if (!dev) co_return Errno::Enoent;
  if (!dev->dma_logging) co_return Errno::Enotty;
  if (ranges.size() > kLogMaxRanges) co_return Errno::E2big;
  if (ranges.empty() || !page_size || (page_size & (page_size - 1))) co_return Errno::Einval;
  auto reg = [&](uint64_t off, uint64_t v) { env_.mmio.write(dev->ctrl + off, v, 8, cpu_.now()); };
  reg(kLogPageSize, page_size);
  for (const Range& r : ranges) {
    reg(kLogRangeStart, r.start);
    reg(kLogRangeLength, r.length);
    reg(kLogRangePush, 1);
  }
  co_await cpu_.charge(cpu_.cost().mmio * (1 + 3 * ranges.size()));
  co_return co_await dma_log_command(*dev, kLogCmdStart);
}

Task<Errno> Host::dma_logging_report(const std::string& device, uint64_t iova, uint64_t length,
                                     uint64_t page_size, std::vector<Range>* dirty) {
  const HardwareInfo::Device* dev = device_info(device);
  if (!dev) co_return Errno::Enoent;
  if (!dev->dma_logging) co_return Errno::Enotty;
  if (!page_size || (page_size & (page_size - 1)) || !length || iova + length < iova)
    co_return Errno::Einval;
  const uint64_t bytes = (length / page_size + 63) / 64 * 8;
  const uint64_t buf_size = (bytes + 4095) / 4096 * 4096;
  const uint64_t buf = phys_.alloc(buf_size, 4096);
  if (!buf) co_return Errno::Enomem;
  auto reg = [&](uint64_t off, uint64_t v) { env_.mmio.write(dev->ctrl + off, v, 8, cpu_.now()); };
  reg(kLogReportIova, iova);
  reg(kLogReportLength, length);
  reg(kLogReportAddr, buf);
  co_await cpu_.charge(cpu_.cost().mmio * 3);
  const Errno e = co_await dma_log_command(*dev, kLogCmdReport);
  ++*log_reports_;
  if (e != Errno::Ok) {
    ++*log_errors_;
    phys_.free(buf, buf_size);
    co_return e;
  }
  // The driver copies the bitmap out to the caller's (iova_bitmap): a byte at a time.
  std::vector<uint64_t> words(bytes / 8);
  env_.memory.read(buf, words.data(), bytes);
  phys_.free(buf, buf_size);
  *log_bytes_ += bytes;
  const Ps copy = bytes * cpu_.cost().bitmap_write;
  if (!cpu_.free()) drv_.accounts().bitmap += copy;
  co_await cpu_.charge(copy);
  if (!dirty) co_return Errno::Ok;
  dirty->clear();
  for (uint64_t w = 0; w < words.size(); ++w)
    for (uint64_t bits = words[w]; bits; bits &= bits - 1) {
      const uint64_t at = iova + (w * 64 + uint64_t(__builtin_ctzll(bits))) * page_size;
      if (!dirty->empty() && dirty->back().end() == at)
        dirty->back().length += page_size;
      else
        dirty->push_back({at, page_size});
    }
  co_return Errno::Ok;
}

Task<Errno> Host::dma_logging_stop(const std::string& device) {
  const HardwareInfo::Device* dev = device_info(device);
  if (!dev) co_return Errno::Enoent;
  if (!dev->dma_logging) co_return Errno::Enotty;
  co_return co_await dma_log_command(*dev, kLogCmdStop);
}

}  // namespace sim
