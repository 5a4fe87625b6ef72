#pragma once
// platform.iommu: the IOMMU's mode, page-table format, caches and costs.
#include <cstdint>
#include <string>
#include <vector>

#include "iommu/dirty_log_ring.h"
#include "iommu/inv_descriptor.h"
#include "models/base/input_error.h"
#include "models/base/units.h"
#include "models/config/named_values.h"

namespace sim {

class ConfigReader;

// translate, or passthrough: translation off for everyone.
enum class IommuMode : uint8_t { Translate, Passthrough };
enum class IotlbReplacement : uint8_t { Lru, Fifo };
// The names platform.iommu's settings take (the summary prints the mode's).
inline const NamedValues<IommuMode> kIommuModes{{"translate", IommuMode::Translate},
                                                {"passthrough", IommuMode::Passthrough}};
inline const NamedValues<IotlbReplacement> kIotlbReplacements{{"lru", IotlbReplacement::Lru},
                                                              {"fifo", IotlbReplacement::Fifo}};
inline const NamedValues<InvEncoding> kInvEncodings{
    {"pow2_aligned", InvEncoding::Pow2Aligned},
    {"arbitrary_range", InvEncoding::ArbitraryRange},
    {"page_only", InvEncoding::PageOnly}};

struct IommuConfig {
  // The unit's name (traces, `iommu.units.NAME.*`) and the devices behind it
  // (platform.iommus[]); the one unit of `platform.iommu` is "iommu", behind which
  // every device sits.
  std::string name = "iommu";
  std::vector<std::string> devices;
  IommuMode mode = IommuMode::Translate;
  std::string format = "vtd-ss";  // a registered page-table format (page_table_format.h)
  unsigned levels = 4;
  uint64_t mmio_base = 0xfed90000;
  SourceMark mmio_mark;  // where mmio_base was set (or the unit), for placement errors
  std::string mmio_key = "platform.iommu.mmio_base";
  bool coherent_walk = true;  // walks snoop caches: required for dirty tracking
  // Nested translation (VT-d's ECAP.NEST): PASID entries may be nested (stage 1 over
  // stage 2); without it a nested entry blocks its requests as a bad context.
  bool nesting = false;
  struct Iotlb {
    unsigned entries = 128, ways = 8;
    IotlbReplacement replacement = IotlbReplacement::Lru;
  } iotlb;
  // Paging-structure caches: entries per non-leaf level (0: none), and whether a
  // page-selective invalidation with the leaf-only hint spares them.
  // Under nesting `entries` is also the stage-2 cache (tagged by the nesting parent's
  // domain) and `stage1_entries` the stage-1 one (tagged by stage-1 domain and PASID,
  // holding guest physical table addresses).
  struct WalkCacheConfig {
    unsigned entries = 0, ways = 4;
    bool honour_leaf_hint = false;
    unsigned stage1_entries = 0;
  } walk_cache;
  unsigned walkers = 5;         // page walks in flight
  Ps hit_latency = 2 * kNs;     // IOTLB lookup
  Ps walk_overhead = 10 * kNs;  // per walk, besides its memory reads
  struct Invalidation {
    Ps descriptor = 50 * kNs;  // processing one IOTLB/context descriptor...
    // ...unless its kind has its own cost (0: `descriptor`)
    Ps context = 0, iotlb_page = 0, iotlb_domain = 0, device_tlb = 0;
    Ps of(Ps kind) const { return kind ? kind : descriptor; }
    Ps wait = 200 * kNs;              // a wait descriptor (before its status write)
    bool blocks_translation = false;  // lookups wait while an IOTLB/context one runs
    // Other users of the queue: an invalidation + wait every `interval` (0: none),
    // every `domain_every`-th a domain one (0: never).
    Ps background_interval = 0;
    unsigned background_domain_every = 10;
    unsigned batch = 16;      // descriptors the driver submits before a wait
    unsigned max_order = 18;  // largest page-selective order; beyond it, a domain invalidation
    // What page invalidations the hardware takes: pow2_aligned (VT-d: 2^am pages),
    // arbitrary_range (also exact page ranges, as SMMUv3), page_only (one page each).
    InvEncoding encoding = InvEncoding::Pow2Aligned;
  } invalidation;
  // A what-if dirty log (dirty_log_ring.h): entries 0 means none.
  DirtyLogConfig dirty_log;
  // Hardware bugs on purpose, for the flush study's negative controls.
  struct Negative {
    bool no_drain = false;    // waits do not wait for writes translated before them
    bool stale_fill = false;  // a walk in flight survives invalidations and fills after
    // A stage-2 invalidation spares the combined (stage-1 + stage-2) entries built on
    // its domain: writes through them then leave stage-2 D clear (lost pages) and use
    // stale stage-2 translations.
    bool nested_s2_inv_spares_combined = false;
    // The walker's stage-1 A/D writes to guest table pages leave their stage-2 D
    // clear: a dirty-tracking parent never reports the table pages only the walker wrote.
    bool nested_s1_ad_skips_s2_dirty = false;
  } negative;
};

// Keys absent from `r` keep `base`'s values (a unit of platform.iommus starts as
// platform.iommu).
IommuConfig load_iommu_config(ConfigReader& r, const IommuConfig& base = {});
// platform.iommus: the units, each platform.iommu with its own keys on top, and the
// devices behind each (every device behind exactly one). Absent: one unit, "iommu".
std::vector<IommuConfig> load_iommu_units(ConfigReader& platform, const IommuConfig& base,
                                          const std::vector<std::string>& device_names);

}  // namespace sim
