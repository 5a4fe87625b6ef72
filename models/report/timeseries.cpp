#include "models/report/timeseries.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace sim {

void TimeSeries::Series::level(Ps t, double v) {
  if (!on_) return;
  const uint64_t i = t / bucket_;
  if (i >= kMaxTimeseriesRows) {
    dropped_ = true;
    return;
  }
  double& peak = grow(i);
  if (last_.size() < v_.size()) last_.resize(v_.size(), -1.0);
  // First sample of the bucket: the level carried in from before counts too (levels
  // are set at event times, which never go backwards).
  peak = last_[i] < 0 ? std::max(current_, v) : std::max(peak, v);
  last_[i] = current_ = v;
}

TimeSeries::Series& TimeSeries::series(const std::string& name, Kind kind) {
  auto& s = series_[name];
  if (!s) {
    s = std::make_unique<Series>();
    s->kind_ = kind;
    s->on_ = bucket_ > 0;
    s->bucket_ = bucket_ ? bucket_ : 1;
  }
  return *s;
}

bool TimeSeries::truncated() const {
  for (const auto& [name, s] : series_)
    if (s->dropped_) return true;
  return false;
}

std::string TimeSeries::csv(Ps end) const {
  if (!bucket_ || series_.empty()) return "";
  std::string out = "time_us";
  for (const auto& [name, s] : series_) out += "," + name;
  out += "\n";
  const uint64_t rows = std::min<uint64_t>(end / bucket_ + 1, kMaxTimeseriesRows);
  std::vector<double> carry(series_.size(), 0.0);
  // to_chars with a precision writes what printf's %.Nf would, several times faster:
  // a long run has hundreds of thousands of cells.
  char buf[64];
  auto put = [&](double x, int digits) {
    out.append(buf, std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, digits).ptr);
  };
  for (uint64_t i = 0; i < rows; ++i) {
    put(double(i * bucket_) / double(kUs), 3);
    size_t k = 0;
    for (const auto& [name, s] : series_) {
      const double v = i < s->v_.size() ? s->v_[i] : 0.0;
      double x = v;
      if (s->kind_ == Kind::Gbps) x = v * 8.0 / (double(bucket_) / double(kNs));
      if (s->kind_ == Kind::Level) {
        const bool touched = i < s->last_.size() && s->last_[i] >= 0;
        x = touched ? v : carry[k];
        if (touched) carry[k] = s->last_[i];
      }
      out += ',';
      put(x, s->kind_ == Kind::Sum ? 0 : 3);
      ++k;
    }
    out += "\n";
  }
  return out;
}

}  // namespace sim
