// tracker: device — VFIO migration v2 device DMA logging: every device attached to the
// IOAS logs its own DMA writes (pcie/dirty_logger.h). The VMM starts each with the
// IOAS's mapped spans merged to fit the device's maximum (as QEMU's
// vfio_combine_iova_ranges: the pair with the smallest gap first, the gap then tracked
// too), reads each tracked range with a report every round, and stops them at the end.
// No IOMMU dirty bit and no IOTLB flush is involved; the cost is the device's report
// writes over its link and the host's polls and bitmap reads. The ranges are fixed at
// start: a mapping made later outside them is not logged.
#include <algorithm>

#include "host-sw/vmm/host.h"
#include "host-sw/vmm/tracker.h"
#include "models/config/config.h"
#include "models/config/named_values.h"

namespace sim {

// Merges the closest neighbours until at most `max` ranges remain (sorted input).
std::vector<Range> merge_ranges_to_fit(std::vector<Range> r, size_t max) {
  while (r.size() > max && r.size() > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < r.size(); ++i)
      if (r[i + 1].start - r[i].end() < r[best + 1].start - r[best].end()) best = i;
    r[best].length = r[best + 1].end() - r[best].start;
    r.erase(r.begin() + long(best) + 1);
  }
  return r;
}

namespace {

class DeviceTracker final : public DirtyTracker {
 public:
  Task<Errno> start(Host& h, const MigrationParams& p) override {
    stats(h);
    devices_ = h.ioas_devices(p.ioas);
    std::vector<Range> spans;
    uint64_t mapped = 0;
    for (const Range& s : mapped_spans(h.ioases()[p.ioas]->iopt)) {
      const uint64_t lo = s.start & ~(p.page_size - 1);
      const uint64_t hi = (s.end() + p.page_size - 1) & ~(p.page_size - 1);
      if (!spans.empty() && spans.back().end() >= lo)
        spans.back().length = hi - spans.back().start;
      else
        spans.push_back({lo, hi - lo});
      mapped += s.length;
    }
    for (const std::string& d : devices_) {
      const HardwareInfo::Device* info = h.device_info(d);
      const size_t max = info && info->dma_logging ? info->log_max_ranges : spans.size();
      ranges_.push_back(merge_ranges_to_fit(spans, max));
      uint64_t tracked = 0;
      for (const Range& r : ranges_.back()) tracked += r.length;
      *ranges_stat_ += ranges_.back().size();
      *gap_pages_ += (tracked - mapped) / 4096;
      co_await h.cpu().charge(h.cpu().cost().syscall);
      if (Errno e = co_await h.dma_logging_start(d, ranges_.back(), p.page_size); e != Errno::Ok) {
        // The migration does not start: the devices started so far stop again.
        devices_.resize(ranges_.size() - 1);
        co_await stop(h, p);
        co_return e;
      }
    }
    co_return Errno::Ok;
  }

  Task<uint64_t> harvest(Host& h, const MigrationParams& p, bool final, PageSet& pending) override {
    const IoPagetable& iopt = h.ioases()[p.ioas]->iopt;
    if (p.device_log.rearm_each_round && !final)
      for (size_t i = 0; i < devices_.size(); ++i) {
        co_await h.cpu().charge(h.cpu().cost().syscall);
        co_await h.dma_logging_stop(devices_[i]);
        co_await h.cpu().charge(h.cpu().cost().syscall);
        co_await h.dma_logging_start(devices_[i], ranges_[i], p.page_size);
      }
    uint64_t reported = 0;
    for (size_t i = 0; i < devices_.size(); ++i) {
      bool restart = false;
      for (const Range& r : ranges_[i]) {
        std::vector<Range> dirty;
        co_await h.cpu().charge(h.cpu().cost().syscall);
        const Errno e =
            co_await h.dma_logging_report(devices_[i], r.start, r.length, p.page_size, &dirty);
        if (e == Errno::Ok) {
          reported += h.add_reported_pages(iopt, dirty, pending);
          continue;
        }
        switch (p.device_log.on_error) {
          case DeviceLogParams::OnError::Fail:
            error_ = e;
            co_return reported;
          case DeviceLogParams::OnError::AllDirty:  // every page it tracks may be dirty
            ++*fallbacks_;
            reported += h.add_reported_pages(iopt, {r}, pending);
            restart = true;
            break;
          case DeviceLogParams::OnError::Ignore:
            ++*ignored_;
            break;
        }
      }
      // An overflowed log fails every report until a stop: start it afresh. Whatever
      // it dropped is in `pending` already, and is copied after the restart.
      if (restart) {
        co_await h.cpu().charge(h.cpu().cost().syscall);
        co_await h.dma_logging_stop(devices_[i]);
        co_await h.cpu().charge(h.cpu().cost().syscall);
        co_await h.dma_logging_start(devices_[i], ranges_[i], p.page_size);
      }
    }
    co_return reported;
  }

  Task<> stop(Host& h, const MigrationParams&) override {
    for (const std::string& d : devices_) {
      co_await h.cpu().charge(h.cpu().cost().syscall);
      co_await h.dma_logging_stop(d);
    }
  }
  Errno error() const override { return error_; }

 private:
  void stats(Host& h) {
    ranges_stat_ = &h.tracker_counter("migration.device_log.ranges");
    gap_pages_ = &h.tracker_counter("migration.device_log.gap_pages");
    fallbacks_ = &h.tracker_counter("migration.device_log.all_dirty_fallbacks");
    ignored_ = &h.tracker_counter("migration.device_log.ignored_errors");
  }

  std::vector<std::string> devices_;
  std::vector<std::vector<Range>> ranges_;  // per device, as started
  Errno error_ = Errno::Ok;
  uint64_t *ranges_stat_ = nullptr, *gap_pages_ = nullptr, *fallbacks_ = nullptr,
           *ignored_ = nullptr;
};

const NamedValues<DeviceLogParams::OnError> kOnError{
    {"fail", DeviceLogParams::OnError::Fail},
    {"all_dirty", DeviceLogParams::OnError::AllDirty},
    {"ignore", DeviceLogParams::OnError::Ignore}};

void read_device_keys(ConfigReader& r, MigrationParams& p, const TrackerNames&) {
  p.device_log.on_error = r.choice("on_log_error", p.device_log.on_error, kOnError);
  p.device_log.rearm_each_round = r.boolean("rearm_each_round", false);
}

void prepare_device_tracker(Host& h) {
  h.tracker_counter("migration.device_log.ranges", "count",
                    "IOVA ranges the devices were started with, after merging");
  h.tracker_counter("migration.device_log.gap_pages", "pages",
                    "pages the merged ranges track that no mapping covers (over-report)");
  h.tracker_counter("migration.device_log.all_dirty_fallbacks", "count",
                    "failed reports whose range was counted dirty whole");
  h.tracker_counter("migration.device_log.ignored_errors", "count",
                    "failed reports ignored (negative control)");
}

}  // namespace

extern const TrackerInfo device_tracker{"device", make_tracker<DeviceTracker>, read_device_keys,
                                        prepare_device_tracker};

}  // namespace sim
