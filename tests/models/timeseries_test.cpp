#include <doctest/doctest.h>

#include "models/report/timeseries.h"

using namespace sim;

TEST_CASE("timeseries: sums per bucket, bytes as Gb/s, a level carried across quiet buckets") {
  TimeSeries ts;
  ts.set_bucket(10 * kUs);
  auto& walks = ts.series("iommu.walks", TimeSeries::Kind::Sum);
  auto& gbps = ts.series("dev.a.goodput_gbps", TimeSeries::Kind::Gbps);
  auto& depth = ts.series("q.depth", TimeSeries::Kind::Level);
  walks.add(0);
  walks.add(9999999);  // still bucket 0
  walks.add(10 * kUs);
  gbps.add(5 * kUs, 12500);  // 12500 B in 10 us = 10 Gb/s
  depth.level(1 * kUs, 3);
  depth.level(2 * kUs, 1);   // bucket 0 peaked at 3, ends at 1
  depth.level(25 * kUs, 0);  // bucket 1 had no change: 1 carried; bucket 2 starts at 1
  const std::string csv = ts.csv(30 * kUs);
  CHECK(csv ==
        "time_us,dev.a.goodput_gbps,iommu.walks,q.depth\n"
        "0.000,10.000,2,3.000\n"
        "10.000,0.000,1,1.000\n"
        "20.000,0.000,0,1.000\n"
        "30.000,0.000,0,0.000\n");
}

TEST_CASE("timeseries: bucket 0 keeps nothing and writes nothing") {
  TimeSeries ts;
  ts.set_bucket(0);
  auto& s = ts.series("x", TimeSeries::Kind::Sum);
  s.add(5 * kSec);
  CHECK(ts.csv(10 * kSec).empty());
}
