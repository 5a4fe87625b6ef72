#include "cli/sweep.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "models/base/input_error.h"

namespace sim::cli {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Points that differ only in their seed are one row of the table.
std::string key_of(const SweepPoint& p) {
  std::string k;
  for (const std::string& v : p.values) k += v + "\x1f";
  return k;
}
}  // namespace

std::string point_name(const SweepPoint& p) {
  return p.dir.substr(p.dir.rfind('/') + 1);
}

uint64_t fingerprint(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool write_whole(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f.flush()) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) == 0) return true;
  std::remove(tmp.c_str());
  return false;
}

Axis parse_vary(const std::string& flag) {
  size_t eq = flag.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == flag.size())
    throw InputError("--vary " + flag, "expected PATH=V1,V2,...");
  Axis a{flag.substr(0, eq), split(flag.substr(eq + 1), ',')};
  for (const std::string& v : a.values)
    if (v.empty()) throw InputError("--vary " + flag, "an empty value");
  return a;
}

std::vector<std::string> axis_sets(const Axis& a, const std::string& v) {
  if (a.sets.empty()) return {a.path + "=" + v};
  for (size_t i = 0; i < a.values.size(); ++i)
    if (a.values[i] == v) return a.sets[i];
  return {};
}

std::vector<SweepPoint> expand(const std::vector<Axis>& axes, unsigned seeds, uint64_t base_seed,
                               const std::string& outdir) {
  std::vector<std::vector<std::string>> combos{{}};
  for (const Axis& a : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& c : combos)
      for (const std::string& v : a.values) {
        next.push_back(c);
        next.back().push_back(v);
      }
    combos = std::move(next);
  }
  std::vector<SweepPoint> points;
  for (size_t i = 0; i < combos.size(); ++i)
    for (unsigned s = 0; s < seeds; ++s) {
      SweepPoint p;
      p.values = combos[i];
      p.seed = base_seed + s;
      char name[64];
      std::snprintf(name, sizeof name, seeds > 1 ? "/point-%03zu-seed-%llu" : "/point-%03zu", i,
                    (unsigned long long)p.seed);
      p.dir = outdir + name;
      points.push_back(std::move(p));
    }
  return points;
}

std::string write_reports(const std::vector<Axis>& axes, const std::vector<SweepPoint>& points,
                          const std::string& outdir) {
  // Every point's statistics by name (a failed point has none).
  std::vector<std::map<std::string, double>> stats(points.size());
  std::set<std::string> names;
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].exit_code != 0 && points[i].exit_code != 1) continue;
    std::ifstream f(points[i].dir + "/stats.json");
    if (!f) continue;
    nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded()) continue;
    for (auto& [name, v] : j["stats"].items()) {
      stats[i][name] = v["value"].get<double>();
      names.insert(name);
    }
  }
  // sweep.csv: one row per point and seed.
  std::ostringstream csv;
  csv << "point,seed";
  for (const Axis& a : axes) csv << "," << csv_cell(a.path);
  csv << ",exit,error";
  for (const std::string& n : names) csv << "," << n;
  csv << "\n";
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& p = points[i];
    csv << point_name(p) << "," << p.seed;
    nlohmann::ordered_json row;
    row["point"] = point_name(p);
    row["seed"] = p.seed;
    for (size_t k = 0; k < axes.size(); ++k) {
      csv << "," << csv_cell(p.values[k]);
      row["vary"][axes[k].path] = p.values[k];
    }
    csv << "," << p.exit_code << "," << csv_cell(p.error);
    row["exit"] = p.exit_code;
    row["error"] = p.error;
    row["stats"] = nlohmann::ordered_json::object();
    for (const std::string& n : names) {
      auto it = stats[i].find(n);
      csv << ",";
      if (it != stats[i].end()) {
        char b[64];
        std::snprintf(b, sizeof b, "%.10g", it->second);
        csv << b;
        row["stats"][n] = it->second;
      }
    }
    csv << "\n";
    rows.push_back(row);
  }
  // Over seeds: mean / min / max per point (lost pages are read as the max).
  nlohmann::ordered_json agg = nlohmann::ordered_json::array();
  std::vector<std::string> order;
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!groups.count(key_of(points[i]))) order.push_back(key_of(points[i]));
    groups[key_of(points[i])].push_back(i);
  }
  auto table_cell = [&](const std::vector<size_t>& idx, const std::string& stat, bool use_max) {
    double sum = 0, mx = 0;
    int n = 0;
    for (size_t i : idx) {
      auto it = stats[i].find(stat);
      if (it == stats[i].end()) continue;
      sum += it->second;
      mx = n ? std::max(mx, it->second) : it->second;
      ++n;
    }
    return n ? (use_max ? mx : sum / n) : -1.0;
  };
  for (const std::string& k : order) {
    const std::vector<size_t>& idx = groups[k];
    nlohmann::ordered_json g;
    for (size_t a = 0; a < axes.size(); ++a) g["vary"][axes[a].path] = points[idx[0]].values[a];
    g["seeds"] = idx.size();
    for (const std::string& n : names) {
      double lo = 0, hi = 0, sum = 0;
      int c = 0;
      for (size_t i : idx) {
        auto it = stats[i].find(n);
        if (it == stats[i].end()) continue;
        lo = c ? std::min(lo, it->second) : it->second;
        hi = c ? std::max(hi, it->second) : it->second;
        sum += it->second;
        ++c;
      }
      if (c) g["stats"][n] = {{"mean", sum / c}, {"min", lo}, {"max", hi}};
    }
    agg.push_back(g);
  }
  if (!write_whole(outdir + "/sweep.csv", csv.str()) ||
      !write_whole(outdir + "/sweep.json",
                   nlohmann::ordered_json{{"points", rows}, {"summary", agg}}.dump(1) + "\n"))
    throw InputError("-o " + outdir, "cannot write sweep.csv / sweep.json");
  // The comparison table (means over seeds; stale hits and lost pages: max).
  struct Column {
    const char* head;
    const char* stat;
    double scale;  // the stat is divided by it
    bool worst;    // the max over seeds, not the mean
  };
  const Column cols[] = {{"miss_rate", "iommu.iotlb.miss_rate", 1, false},
                         {"walks", "iommu.walks", 1, false},
                         {"descs", "iommu.inv.descriptors", 1, false},
                         {"waits", "iommu.inv.waits", 1, false},
                         {"sync_p99_ns", "iommu.inv.sync_latency_ns.p99", 1, false},
                         {"harvest_us", "migration.harvest_ns", 1000, false},
                         {"copied", "migration.pages_copied", 1, false},
                         {"downtime_us", "migration.downtime_ns", 1000, false},
                         {"amp", "host.flush.amplification", 1, false},
                         {"stale", "iommu.ad.stale_dirty_hits", 1, true},
                         {"lost", "migration.lost_pages", 1, true},
                         {"failed", "host.steps_failed", 1, true}};
  std::string out;
  char buf[64];
  // Each axis column as wide as its head or its longest value.
  std::vector<size_t> width;
  for (const Axis& a : axes) {
    size_t w = a.path.size();
    for (const std::string& v : a.values) w = std::max(w, v.size());
    width.push_back(w);
    out += csv_cell(a.path) + std::string(w - a.path.size(), ' ') + "  ";
  }
  out += "goodput_gbps";
  for (const Column& c : cols) out += std::string("  ") + c.head;
  out += "\n";
  for (const std::string& k : order) {
    const std::vector<size_t>& idx = groups[k];
    for (size_t a = 0; a < axes.size(); ++a) {
      std::string v = points[idx[0]].values[a];
      out += v + std::string(v.size() < width[a] ? width[a] - v.size() : 0, ' ') + "  ";
    }
    bool failed = true;
    for (size_t i : idx) failed &= points[i].exit_code != 0 && points[i].exit_code != 1;
    if (failed) {
      const SweepPoint& p = points[idx[0]];
      out += (p.exit_code == -1 ? "" : "error: ") + p.error + "\n";
      continue;
    }
    size_t missing = 0;
    for (size_t i : idx) missing += points[i].exit_code == -1;
    double goodput = 0;
    for (const std::string& n : names)
      if (n.rfind("dev.", 0) == 0 && n.size() > 13 &&
          n.compare(n.size() - 13, 13, ".goodput_gbps") == 0)
        goodput += table_cell(idx, n, false);
    std::snprintf(buf, sizeof buf, "%12.3f", goodput);
    out += buf;
    for (const Column& c : cols) {
      double v = table_cell(idx, c.stat, c.worst);
      const int w = int(std::string(c.head).size());
      if (v < 0) {
        std::snprintf(buf, sizeof buf, "  %*s", w, "-");
      } else {
        v /= c.scale;
        // Whole numbers as such; fractions with 3 significant digits at least.
        const int prec = v == double(int64_t(v)) ? 0 : v < 0.1 ? 4 : v < 10 ? 2 : 1;
        std::snprintf(buf, sizeof buf, "  %*.*f", w, prec, v);
      }
      out += buf;
    }
    if (missing)
      out +=
          "  (" + std::to_string(missing) + " of " + std::to_string(idx.size()) + " seeds missing)";
    out += "\n";
  }
  return out;
}

}  // namespace sim::cli
