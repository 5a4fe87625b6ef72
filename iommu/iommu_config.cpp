#include "iommu/iommu_config.h"

#include "iommu/iommu_profile.h"
#include "iommu/page_table_format.h"
#include "models/config/config.h"

namespace sim {

IommuConfig load_iommu_config(ConfigReader& r, const IommuConfig& defaults) {
  const IommuConfig base = with_iommu_profile(r, defaults);  // profile: iommu_profiles.cpp
  IommuConfig c = base;
  c.mode = r.choice("mode", c.mode, kIommuModes);
  c.format = r.choice("format", c.format, format_names());
  c.levels = unsigned(r.integer("levels", c.levels, 1, 64));
  if (auto [lo, hi] = format_levels(c.format); c.levels < lo || c.levels > hi)
    r.fail("levels",
           c.format + " has " +
               (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
               " levels, not " + std::to_string(c.levels));
  c.mmio_base = r.address("mmio_base", c.mmio_base);
  if (c.mmio_base & 0xfff) r.fail("mmio_base", "expected a 4 KiB aligned address");
  c.mmio_mark = r.mark("mmio_base");
  c.mmio_key = r.path() + ".mmio_base";
  c.coherent_walk = r.boolean("coherent_walk", c.coherent_walk);
  c.nesting = r.boolean("nesting", c.nesting);
  ConfigReader t = r.section("iotlb");
  c.iotlb.entries = unsigned(t.integer("entries", c.iotlb.entries, 1, 1 << 20));
  c.iotlb.ways = unsigned(t.integer("ways", c.iotlb.ways, 1, 1 << 20));
  if (c.iotlb.ways > c.iotlb.entries)
    t.fail("ways", "more ways (" + std::to_string(c.iotlb.ways) + ") than entries (" +
                       std::to_string(c.iotlb.entries) + ")");
  if (c.iotlb.entries % c.iotlb.ways) t.fail("ways", "entries must be a multiple of ways");
  c.iotlb.replacement = t.choice("replacement", c.iotlb.replacement, kIotlbReplacements);
  c.walkers = unsigned(r.integer("walkers", c.walkers, 1, 1024));
  ConfigReader dl = r.section("dirty_log");
  c.dirty_log.entries = uint64_t(dl.integer("entries", int64_t(c.dirty_log.entries), 0, 1 << 17));
  c.dirty_log.base = dl.address("base", c.dirty_log.base);
  if (c.dirty_log.base & 0xfff) dl.fail("base", "expected a 4 KiB aligned address");
  if (c.dirty_log.entries && c.dirty_log.base + c.dirty_log.bytes() > DirtyLogConfig::kLimit)
    dl.fail(dl.has("base") ? "base" : "entries",
            "the ring (" + std::to_string(c.dirty_log.bytes()) +
                " bytes) must end below 1 MiB, which the host's allocator leaves alone");
  ConfigReader wc = r.section("walk_cache");
  c.walk_cache.entries = unsigned(wc.integer("entries", c.walk_cache.entries, 0, 1 << 16));
  c.walk_cache.ways = unsigned(wc.integer("ways", c.walk_cache.ways, 1, 1 << 16));
  if (c.walk_cache.entries &&
      (c.walk_cache.ways > c.walk_cache.entries || c.walk_cache.entries % c.walk_cache.ways))
    wc.fail("ways", "entries must be a multiple of ways, and ways at most entries");
  static const NamedValues<bool> leaf_hint{{"ignore", false}, {"honour", true}};
  c.walk_cache.honour_leaf_hint = wc.choice("leaf_hint", c.walk_cache.honour_leaf_hint, leaf_hint);
  // The stage-1 cache follows `entries` unless set (as the stage-1 half of one design).
  c.walk_cache.stage1_entries = unsigned(wc.integer(
      "stage1_entries",
      wc.has("entries") || !base.walk_cache.stage1_entries ? c.walk_cache.entries
                                                           : base.walk_cache.stage1_entries,
      0, 1 << 16));
  if (c.walk_cache.stage1_entries && (c.walk_cache.ways > c.walk_cache.stage1_entries ||
                                      c.walk_cache.stage1_entries % c.walk_cache.ways))
    wc.fail("stage1_entries", "stage1_entries must be a multiple of ways, and ways at most it");
  ConfigReader lat = r.section("latency");
  c.hit_latency = lat.time_ps("iotlb_hit", c.hit_latency);
  c.walk_overhead = lat.time_ps("walk_overhead", c.walk_overhead);
  ConfigReader inv = r.section("invalidation");
  c.invalidation.descriptor = inv.time_ps("descriptor", c.invalidation.descriptor);
  c.invalidation.wait = inv.time_ps("wait", c.invalidation.wait);
  ConfigReader costs = inv.section("costs");
  // A kind's cost follows `descriptor` unless set (here, or in the base for a unit
  // that keeps the base's descriptor cost).
  auto kind_cost = [&](const char* key, Ps b) {
    return costs.time_ps(key, inv.has("descriptor") || !b ? c.invalidation.descriptor : b);
  };
  c.invalidation.context = kind_cost("context", base.invalidation.context);
  c.invalidation.iotlb_page = kind_cost("iotlb_page", base.invalidation.iotlb_page);
  c.invalidation.iotlb_domain = kind_cost("iotlb_domain", base.invalidation.iotlb_domain);
  c.invalidation.device_tlb = kind_cost("device_tlb", base.invalidation.device_tlb);
  c.invalidation.blocks_translation =
      inv.boolean("blocks_translation", c.invalidation.blocks_translation);
  ConfigReader bg = r.section("background_inv");
  c.invalidation.background_interval = bg.time_ps("interval", c.invalidation.background_interval);
  c.invalidation.background_domain_every =
      unsigned(bg.integer("domain_every", c.invalidation.background_domain_every, 0, 1 << 20));
  c.invalidation.batch = unsigned(inv.integer("batch", c.invalidation.batch, 1, 4096));
  c.invalidation.max_order = unsigned(inv.integer("max_order", c.invalidation.max_order, 0, 52));
  c.invalidation.encoding = inv.choice("encoding", c.invalidation.encoding, kInvEncodings);
  ConfigReader neg = r.section("negative");
  c.negative.no_drain = neg.boolean("no_drain", c.negative.no_drain);
  c.negative.stale_fill = neg.boolean("stale_fill", c.negative.stale_fill);
  c.negative.nested_s2_inv_spares_combined =
      neg.boolean("nested_s2_inv_spares_combined", c.negative.nested_s2_inv_spares_combined);
  c.negative.nested_s1_ad_skips_s2_dirty =
      neg.boolean("nested_s1_ad_skips_s2_dirty", c.negative.nested_s1_ad_skips_s2_dirty);
  return c;
}

std::vector<IommuConfig> load_iommu_units(ConfigReader& platform, const IommuConfig& base,
                                          const std::vector<std::string>& device_names) {
  std::vector<IommuConfig> units;
  if (!platform.has("iommus")) {
    units.push_back(base);
    units.back().devices = device_names;
    return units;
  }
  std::vector<ConfigReader> list = platform.list("iommus");
  if (list.empty()) platform.fail("iommus", "expected at least one IOMMU unit");
  std::vector<std::string> owner(device_names.size());
  for (size_t i = 0; i < list.size(); ++i) {
    ConfigReader& u = list[i];
    IommuConfig b = base;
    b.mmio_base = base.mmio_base + i * 0x1000;  // one register page per unit
    IommuConfig c = load_iommu_config(u, b);
    c.name = u.text("name");
    if (c.name == "iommu" || c.name.empty() || c.name.find('.') != std::string::npos)
      u.fail("name", "expected a unit name without '.', other than 'iommu'");
    for (const IommuConfig& o : units) {
      if (o.name == c.name) u.fail("name", "a second unit named '" + c.name + "'");
      if (o.mmio_base == c.mmio_base) u.fail("mmio_base", "the register page of unit " + o.name);
      if (c.dirty_log.entries && o.dirty_log.entries &&
          c.dirty_log.base < o.dirty_log.base + o.dirty_log.bytes() &&
          o.dirty_log.base < c.dirty_log.base + c.dirty_log.bytes())
        u.fail("dirty_log", "its ring overlaps unit " + o.name + "'s (set dirty_log.base)");
    }
    // A domain's page table is walked by every unit it spans: one format for all.
    if (c.format != base.format || c.levels != base.levels || c.mode != base.mode)
      u.fail(u.has("format")   ? "format"
             : u.has("levels") ? "levels"
                               : "mode",
             "every unit shares platform.iommu's mode, format and levels");
    for (const std::string& dev : u.string_list("devices")) {
      size_t k = 0;
      while (k < device_names.size() && device_names[k] != dev) ++k;
      if (k == device_names.size()) u.fail("devices", "no device named '" + dev + "'");
      if (!owner[k].empty()) u.fail("devices", "device " + dev + " is behind unit " + owner[k]);
      owner[k] = c.name;
      c.devices.push_back(dev);
    }
    units.push_back(std::move(c));
  }
  for (size_t k = 0; k < device_names.size(); ++k)
    if (owner[k].empty())
      platform.fail("iommus", "device " + device_names[k] + " is behind no unit");
  return units;
}

}  // namespace sim
