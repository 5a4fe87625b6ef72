#pragma once
// timeseries.csv: named series bucketed by simulated time. Components add to them as
// things happen (no sampling events, so a run's event order is untouched); the CSV
// has a row per bucket from 0 to the end of the run.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/base/units.h"

namespace sim {

// timeseries.csv stops at this many rows: a scenario with a fixed sim.end cannot ask
// for more (an error at output.timeseries_bucket); an `auto` run's later buckets are
// dropped and the run says so.
inline constexpr uint64_t kMaxTimeseriesRows = 1'000'000;

class TimeSeries {
 public:
  // Sum: a count per bucket. Gbps: bytes per bucket, written as Gb/s. Level: a gauge,
  // its highest value in the bucket (carried into buckets with no change).
  enum class Kind { Sum, Gbps, Level };

  class Series {
   public:
    void add(Ps t, double v = 1) {
      if (!on_) return;
      // Most adds land in the bucket of the one before (every DMA TLP adds): no division.
      if (t >= lo_ && t < hi_) {
        v_[idx_] += v;
        return;
      }
      const uint64_t i = t / bucket_;
      if (i >= kMaxTimeseriesRows) {
        dropped_ = true;
        return;
      }
      grow(i) += v;
      idx_ = i;
      lo_ = i * bucket_;
      hi_ = lo_ + bucket_;
    }
    void level(Ps t, double v);

   private:
    friend class TimeSeries;
    double& grow(uint64_t i) {
      if (i >= v_.size()) v_.resize(i + 1, 0.0);
      return v_[i];
    }
    Kind kind_ = Kind::Sum;
    bool on_ = true;
    bool dropped_ = false;  // a sample past kMaxTimeseriesRows
    Ps bucket_ = 10 * kUs;
    std::vector<double> v_;
    Ps lo_ = 1, hi_ = 0;  // the last add's bucket [lo_, hi_), index idx_ (none yet)
    uint64_t idx_ = 0;
    std::vector<double> last_;  // Level: the value at the end of each touched bucket
    double current_ = 0;
  };

  // 0 turns every series off (no memory, no CSV). Call before any series exists.
  void set_bucket(Ps bucket) { bucket_ = bucket; }
  Series& series(const std::string& name, Kind kind);
  // Columns in name order, rows up to `end`; "" when off or empty.
  std::string csv(Ps end) const;
  // Samples were dropped past kMaxTimeseriesRows (an `auto` run that went on).
  bool truncated() const;

 private:
  Ps bucket_ = 10 * kUs;
  std::map<std::string, std::unique_ptr<Series>> series_;
};

}  // namespace sim
