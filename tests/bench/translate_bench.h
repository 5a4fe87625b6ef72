#pragma once
// The IOMMU core's own speed, without sockets: IOTLB hits per second (one 64 B write
// translation each), and page walks per second with the walk cache warm (each a miss
// to a new 4 KiB page of a mapped 16 MiB, the IOTLB too small to help).
#include <chrono>

#include "tests/iommu/iommu_fixture.h"

namespace sim::bench {

struct TranslateRates {
  double hits_per_s = 0, walks_per_s = 0;
};

inline TranslateRates translate_rates(uint64_t n) {
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  TranslateRates out;
  {
    test::IommuRig rig;
    rig.map(0x1000, 0x7000'0000);
    rig.write(0x1000, 0);
    const auto t0 = clock::now();
    for (uint64_t i = 1; i <= n; ++i) rig.write(0x1000 + (i & 63) * 64, i * kNs);
    out.hits_per_s = double(n) / secs(t0);
  }
  {
    IommuConfig c;
    c.iotlb.entries = 8;
    c.iotlb.ways = 8;
    c.walk_cache.entries = 32;
    test::IommuRig rig(c);
    const uint64_t pages = 4096;
    for (uint64_t p = 0; p < pages; ++p) rig.map(p << 12, 0x8000'0000 + (p << 12));
    for (uint64_t p = 0; p < pages; ++p) rig.read(p << 12, 0);  // warm the walk cache
    const uint64_t walks0 = rig.stat("iommu.walks");
    const auto t0 = clock::now();
    for (uint64_t i = 0; i < n; ++i) rig.read((i % pages) << 12, kUs + i * kNs);
    out.walks_per_s = double(rig.stat("iommu.walks") - walks0) / secs(t0);
  }
  return out;
}

}  // namespace sim::bench
