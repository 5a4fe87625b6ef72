#pragma once
// The registry every component puts its statistics in: flat dotted names, a unit
// and a description each. Counters are plain integers bumped on hot paths;
// histograms export name.count/.p50/.p99/.max; computed values run at output time.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "models/base/units.h"
#include "models/report/histogram.h"
#include "models/report/timeseries.h"

namespace sim {

using StatValue = std::variant<int64_t, double>;

class StatsRegistry {
 public:
  // `series_bucket`: the time series' bucket (0: none are kept).
  explicit StatsRegistry(Ps series_bucket = 10 * kUs) { series_.set_bucket(series_bucket); }

  uint64_t& counter(const std::string& name, const std::string& unit, const std::string& desc);
  Histogram& histogram(const std::string& name, const std::string& unit, const std::string& desc);
  // The same statistic for several instances (IOMMU units): the first registration
  // creates it, later ones share it, so it counts the total.
  uint64_t& shared_counter(const std::string& name, const std::string& unit,
                           const std::string& desc);
  Histogram& shared_histogram(const std::string& name, const std::string& unit,
                              const std::string& desc);
  void computed(const std::string& name, const std::string& unit, const std::string& desc,
                std::function<StatValue()> fn);
  void set(const std::string& name, const std::string& unit, const std::string& desc, StatValue v);

  std::optional<StatValue> get(const std::string& name) const;
  // An integer statistic's value; 0 when absent or not an integer (for reports).
  uint64_t count(const std::string& name) const {
    auto v = get(name);
    return v && std::holds_alternative<int64_t>(*v) ? uint64_t(std::get<int64_t>(*v)) : 0;
  }
  std::vector<std::string> names() const;  // sorted, histogram exports expanded
  nlohmann::ordered_json to_json(const std::string& scenario, uint64_t seed, Ps sim_time) const;
  std::string table() const;
  // The time-bucketed side of the same figures (timeseries.csv).
  TimeSeries& timeseries() { return series_; }
  const TimeSeries& timeseries() const { return series_; }

 private:
  TimeSeries series_;
  struct Entry {
    std::string unit, desc;
    std::unique_ptr<uint64_t> counter;
    std::unique_ptr<Histogram> hist;
    std::function<StatValue()> fn;
    std::optional<StatValue> fixed;
  };
  Entry& add(const std::string& name, const std::string& unit, const std::string& desc);
  // Every exported name with its value, unit and description, sorted.
  struct Row {
    std::string name;
    StatValue value;
    const std::string* unit;
    const std::string* desc;
  };
  std::vector<Row> rows() const;

  std::map<std::string, Entry> entries_;
};

}  // namespace sim
