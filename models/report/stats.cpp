#include "models/report/stats.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace sim {

namespace {
const char* kHistExports[] = {"count", "p50", "p99", "max"};

StatValue hist_export(const Histogram& h, std::string_view which) {
  if (which == "count") return int64_t(h.count());
  if (which == "p50") return int64_t(h.percentile(50));
  if (which == "p99") return int64_t(h.percentile(99));
  return int64_t(h.max());
}
}  // namespace

StatsRegistry::Entry& StatsRegistry::add(const std::string& name, const std::string& unit,
                                         const std::string& desc) {
  auto [it, fresh] = entries_.try_emplace(name);
  if (!fresh) throw std::logic_error("statistic registered twice: " + name);
  it->second.unit = unit;
  it->second.desc = desc;
  return it->second;
}

uint64_t& StatsRegistry::counter(const std::string& name, const std::string& unit,
                                 const std::string& desc) {
  Entry& e = add(name, unit, desc);
  e.counter = std::make_unique<uint64_t>(0);
  return *e.counter;
}

Histogram& StatsRegistry::histogram(const std::string& name, const std::string& unit,
                                    const std::string& desc) {
  Entry& e = add(name, unit, desc);
  e.hist = std::make_unique<Histogram>();
  return *e.hist;
}

uint64_t& StatsRegistry::shared_counter(const std::string& name, const std::string& unit,
                                        const std::string& desc) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return counter(name, unit, desc);
  if (!it->second.counter) throw std::logic_error("statistic shared as another kind: " + name);
  return *it->second.counter;
}

Histogram& StatsRegistry::shared_histogram(const std::string& name, const std::string& unit,
                                           const std::string& desc) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return histogram(name, unit, desc);
  if (!it->second.hist) throw std::logic_error("statistic shared as another kind: " + name);
  return *it->second.hist;
}

void StatsRegistry::computed(const std::string& name, const std::string& unit,
                             const std::string& desc, std::function<StatValue()> fn) {
  add(name, unit, desc).fn = std::move(fn);
}

void StatsRegistry::set(const std::string& name, const std::string& unit, const std::string& desc,
                        StatValue v) {
  auto it = entries_.find(name);
  Entry& e = it == entries_.end() ? add(name, unit, desc) : it->second;
  e.fixed = v;
}

std::vector<StatsRegistry::Row> StatsRegistry::rows() const {
  std::vector<Row> out;
  for (const auto& [name, e] : entries_) {
    if (e.hist) {
      for (const char* x : kHistExports)
        out.push_back({name + "." + x, hist_export(*e.hist, x), &e.unit, &e.desc});
      continue;
    }
    StatValue v = e.counter ? StatValue(int64_t(*e.counter)) : e.fn ? e.fn() : *e.fixed;
    out.push_back({name, v, &e.unit, &e.desc});
  }
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) { return a.name < b.name; });
  return out;
}

std::optional<StatValue> StatsRegistry::get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it != entries_.end() && !it->second.hist) {
    const Entry& e = it->second;
    return e.counter ? StatValue(int64_t(*e.counter)) : e.fn ? e.fn() : *e.fixed;
  }
  size_t dot = name.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  auto h = entries_.find(name.substr(0, dot));
  if (h == entries_.end() || !h->second.hist) return std::nullopt;
  std::string which = name.substr(dot + 1);
  for (const char* x : kHistExports)
    if (which == x) return hist_export(*h->second.hist, which);
  return std::nullopt;
}

std::vector<std::string> StatsRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) {
    if (e.hist)
      for (const char* x : kHistExports) out.push_back(name + "." + x);
    else
      out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::ordered_json StatsRegistry::to_json(const std::string& scenario, uint64_t seed,
                                              Ps sim_time) const {
  nlohmann::ordered_json j;
  j["scenario"] = scenario;
  j["seed"] = seed;
  j["sim_time_ps"] = sim_time;
  nlohmann::ordered_json s = nlohmann::ordered_json::object();
  // Names are unique: appended as they are, since ordered_json's operator[] searches
  // its keys one by one (quadratic in the statistics, minutes for 3,000 devices).
  auto& entries = s.get_ref<nlohmann::ordered_json::object_t&>();
  for (const Row& r : rows()) {
    nlohmann::ordered_json v;
    if (std::holds_alternative<int64_t>(r.value))
      v["value"] = std::get<int64_t>(r.value);
    else
      v["value"] = std::get<double>(r.value);
    v["unit"] = *r.unit;
    v["desc"] = *r.desc;
    entries.emplace_back(r.name, std::move(v));
  }
  j["stats"] = std::move(s);
  return j;
}

std::string StatsRegistry::table() const {
  std::vector<Row> all = rows();
  size_t w = 0;
  for (const Row& r : all) w = std::max(w, r.name.size());
  std::string out;
  char buf[64];
  for (const Row& r : all) {
    if (std::holds_alternative<int64_t>(r.value))
      std::snprintf(buf, sizeof buf, "%lld", (long long)std::get<int64_t>(r.value));
    else
      std::snprintf(buf, sizeof buf, "%.3f", std::get<double>(r.value));
    out += r.name + std::string(w + 2 - r.name.size(), ' ') + buf + "  " + *r.unit + "\n";
  }
  return out;
}

}  // namespace sim
