#include "iommu/iommu_config.h"

#include "iommu/page_table_format.h"
#include "models/config.h"

namespace sim {

IommuConfig load_iommu_config(ConfigReader& r) {
  IommuConfig c;
  c.mode = r.choice("mode", c.mode, {"translate", "passthrough"});
  c.format = r.choice("format", c.format, {"vtd-ss", "amd-v1", "arm-s1"});
  c.levels = unsigned(r.integer("levels", c.levels, 1, 64));
  if (auto [lo, hi] = format_levels(c.format); c.levels < lo || c.levels > hi)
    r.fail("levels",
           c.format + " has " +
               (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
               " levels, not " + std::to_string(c.levels));
  c.mmio_base = r.address("mmio_base", c.mmio_base);
  if (c.mmio_base & 0xfff) r.fail("mmio_base", "expected a 4 KiB aligned address");
  c.coherent_walk = r.boolean("coherent_walk", c.coherent_walk);
  ConfigReader t = r.section("iotlb");
  c.iotlb.entries = unsigned(t.integer("entries", c.iotlb.entries, 1, 1 << 20));
  c.iotlb.ways = unsigned(t.integer("ways", c.iotlb.ways, 1, 1 << 20));
  if (c.iotlb.ways > c.iotlb.entries)
    t.fail("ways", "more ways (" + std::to_string(c.iotlb.ways) + ") than entries (" +
                       std::to_string(c.iotlb.entries) + ")");
  if (c.iotlb.entries % c.iotlb.ways) t.fail("ways", "entries must be a multiple of ways");
  c.iotlb.replacement = t.choice("replacement", c.iotlb.replacement, {"lru", "fifo"});
  c.walkers = unsigned(r.integer("walkers", c.walkers, 1, 1024));
  ConfigReader wc = r.section("walk_cache");
  c.walk_cache.entries = unsigned(wc.integer("entries", c.walk_cache.entries, 0, 1 << 16));
  c.walk_cache.ways = unsigned(wc.integer("ways", c.walk_cache.ways, 1, 1 << 16));
  if (c.walk_cache.entries &&
      (c.walk_cache.ways > c.walk_cache.entries || c.walk_cache.entries % c.walk_cache.ways))
    wc.fail("ways", "entries must be a multiple of ways, and ways at most entries");
  c.walk_cache.honour_leaf_hint =
      wc.choice("leaf_hint", "ignore", {"ignore", "honour"}) == "honour";
  ConfigReader lat = r.section("latency");
  c.hit_latency = lat.time_ps("iotlb_hit", c.hit_latency);
  c.walk_overhead = lat.time_ps("walk_overhead", c.walk_overhead);
  ConfigReader inv = r.section("invalidation");
  c.invalidation.descriptor = inv.time_ps("descriptor", c.invalidation.descriptor);
  c.invalidation.wait = inv.time_ps("wait", c.invalidation.wait);
  ConfigReader costs = inv.section("costs");
  c.invalidation.context = costs.time_ps("context", c.invalidation.descriptor);
  c.invalidation.iotlb_page = costs.time_ps("iotlb_page", c.invalidation.descriptor);
  c.invalidation.iotlb_domain = costs.time_ps("iotlb_domain", c.invalidation.descriptor);
  c.invalidation.device_tlb = costs.time_ps("device_tlb", c.invalidation.descriptor);
  c.invalidation.blocks_translation =
      inv.boolean("blocks_translation", c.invalidation.blocks_translation);
  ConfigReader bg = r.section("background_inv");
  c.invalidation.background_interval = bg.time_ps("interval", 0);
  c.invalidation.background_domain_every =
      unsigned(bg.integer("domain_every", c.invalidation.background_domain_every, 0, 1 << 20));
  c.invalidation.batch = unsigned(inv.integer("batch", c.invalidation.batch, 1, 4096));
  c.invalidation.max_order = unsigned(inv.integer("max_order", c.invalidation.max_order, 0, 52));
  const std::string enc =
      inv.choice("encoding", "pow2_aligned", {"pow2_aligned", "arbitrary_range", "page_only"});
  c.invalidation.encoding = enc == "arbitrary_range" ? InvEncoding::ArbitraryRange
                            : enc == "page_only"     ? InvEncoding::PageOnly
                                                     : InvEncoding::Pow2Aligned;
  ConfigReader neg = r.section("negative");
  c.negative.no_drain = neg.boolean("no_drain", false);
  c.negative.stale_fill = neg.boolean("stale_fill", false);
  return c;
}

}  // namespace sim
