#include "platform/summary.h"

#include <cstdio>

#include "host-sw/vmm/tracker.h"

namespace sim {

namespace {

// Reads a statistic for display; absent ones show as 0 (a part not in this run).
struct View {
  const StatsRegistry& stats;
  double num(const std::string& name) const {
    auto v = stats.get(name);
    if (!v) return 0;
    return std::holds_alternative<int64_t>(*v) ? double(std::get<int64_t>(*v))
                                               : std::get<double>(*v);
  }
  uint64_t count(const std::string& name) const { return uint64_t(num(name)); }
  std::string ns(const std::string& name) const { return human_time(count(name) * kNs); }
};

std::string line(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

std::string make_summary(const Scenario& s, const StatsRegistry& stats, Ps sim_time,
                         const std::vector<std::string>& check_failures) {
  View v{stats};
  std::string out;
  out += line("iommu-sim: %s (seed %llu), simulated %s\n", s.name.c_str(),
              (unsigned long long)s.seed, human_time(sim_time).c_str());

  out += "devices\n";
  for (const DeviceConfig& d : s.devices) {
    std::string p = "dev." + d.name + ".";
    out += line("  %-10s %llu DMAs, %s written, %s read, goodput %.3f Gb/s, faults %llu\n",
                d.name.c_str(), (unsigned long long)v.count(p + "requests"),
                human_size(v.count(p + "bytes_written")).c_str(),
                human_size(v.count(p + "bytes_read")).c_str(), v.num(p + "goodput_gbps"),
                (unsigned long long)v.count(p + "faults"));
    if (v.count(p + "read_latency_ns.count"))
      out += line("  %-10s read latency p50 %s, p99 %s, max %s\n", "",
                  v.ns(p + "read_latency_ns.p50").c_str(), v.ns(p + "read_latency_ns.p99").c_str(),
                  v.ns(p + "read_latency_ns.max").c_str());
  }

  out += line("iommu (%s)\n", std::string(kIommuModes.name(s.iommu.mode)).c_str());
  out += line("  IOTLB      %llu hits, %llu misses, %llu walks\n",
              (unsigned long long)v.count("iommu.iotlb.hits"),
              (unsigned long long)v.count("iommu.iotlb.misses"),
              (unsigned long long)v.count("iommu.walks"));
  out += line("  A/D        %llu accessed sets, %llu dirty sets, %llu stale dirty hits\n",
              (unsigned long long)v.count("iommu.ad.accessed_sets"),
              (unsigned long long)v.count("iommu.ad.dirty_sets"),
              (unsigned long long)v.count("iommu.ad.stale_dirty_hits"));
  out += line("  invalidate %llu descriptors, %llu waits, sync p50 %s, p99 %s\n",
              (unsigned long long)v.count("iommu.inv.descriptors"),
              (unsigned long long)v.count("iommu.inv.waits"),
              v.ns("iommu.inv.sync_latency_ns.p50").c_str(),
              v.ns("iommu.inv.sync_latency_ns.p99").c_str());
  out += line("  faults     %llu\n", (unsigned long long)v.count("iommu.faults"));
  if (s.iommus.size() > 1)
    for (const IommuConfig& u : s.iommus) {
      const std::string p = "iommu.units." + u.name + ".";
      out += line("  %-10s %llu hits, %llu misses, %llu descriptors, %llu waits, %llu faults\n",
                  u.name.c_str(), (unsigned long long)v.count(p + "iotlb.hits"),
                  (unsigned long long)v.count(p + "iotlb.misses"),
                  (unsigned long long)v.count(p + "inv.descriptors"),
                  (unsigned long long)v.count(p + "inv.waits"),
                  (unsigned long long)v.count(p + "faults"));
    }

  out += "host\n";
  out += line("  steps      %llu run, %llu failed, %llu late\n",
              (unsigned long long)v.count("host.steps"),
              (unsigned long long)v.count("host.steps_failed"),
              (unsigned long long)v.count("host.steps_late"));
  if (v.count("host.dirty.harvests"))
    out += line("  harvests   %llu, %llu PTEs visited, %llu bits set, %llu partial\n",
                (unsigned long long)v.count("host.dirty.harvests"),
                (unsigned long long)v.count("host.dirty.ptes_visited"),
                (unsigned long long)v.count("host.dirty.bits_set"),
                (unsigned long long)v.count("host.dirty.partial_harvests"));
  if (v.count("host.dirty.harvests"))
    out += line("  harvest    walk %s, clear %s, bitmap %s, submit %s, wait %s\n",
                v.ns("host.harvest.walk_ns").c_str(), v.ns("host.harvest.clear_ns").c_str(),
                v.ns("host.harvest.bitmap_ns").c_str(), v.ns("host.harvest.submit_ns").c_str(),
                v.ns("host.harvest.wait_ns").c_str());
  if (v.count("host.vfio.bitmap_reads"))
    out +=
        line("  vfio       %llu type1 bitmap reads, %llu u64 words written, %llu bits reported\n",
             (unsigned long long)v.count("host.vfio.bitmap_reads"),
             (unsigned long long)v.count("host.vfio.bitmap_words"),
             (unsigned long long)v.count("host.vfio.bits_reported"));
  if (v.count("host.flush.pages_cleared"))
    out += line(
        "  flush      harvests' invalidations cover %.1f pages per page cleared "
        "(descriptors in all: %llu page, %llu domain)\n",
        v.num("host.flush.amplification"), (unsigned long long)v.count("host.inv.page_descriptors"),
        (unsigned long long)v.count("host.inv.domain_descriptors"));

  if (v.count("migration.pages_copied"))
    out += line(
        "migration    %llu rounds, %llu pages copied, downtime %s, %llu lost pages, %llu writes "
        "after the final harvest\n",
        (unsigned long long)v.count("migration.rounds"),
        (unsigned long long)v.count("migration.pages_copied"),
        v.ns("migration.downtime_ns").c_str(), (unsigned long long)v.count("migration.lost_pages"),
        (unsigned long long)v.count("migration.post_final_writes"));
  for (const std::string& t : tracker_names())
    if (v.count("migration.auto_tracker." + t))
      out += line("  tracker    auto chose %s (device logging needs every device to have it)\n",
                  t.c_str());
  if (v.count("migration.device_log.ranges"))
    out +=
        line("  device log %llu ranges tracked, %llu gap pages, %llu reports, %s of bitmaps read\n",
             (unsigned long long)v.count("migration.device_log.ranges"),
             (unsigned long long)v.count("migration.device_log.gap_pages"),
             (unsigned long long)v.count("host.dma_log.reports"),
             human_size(v.count("host.dma_log.bitmap_bytes")).c_str());
  out += line("checks       %zu of %zu hold\n", s.checks.size() - check_failures.size(),
              s.checks.size());
  return out;
}

}  // namespace sim
