#include "platform/scenario.h"

#include <set>

#include "host-sw/ops/load_host_config.h"
#include "models/report/timeseries.h"
#include "platform/scenario_bounds.h"

namespace sim {

const NamedValues<TraceFiles>& trace_files_names() {
  static const NamedValues<TraceFiles> t{{"text", {true, false}},
                                         {"chrome", {false, true}},
                                         {"both", {true, true}},
                                         {"none", {false, false}}};
  return t;
}

namespace {

OutputConfig load_output(ConfigReader r, const Scenario& s) {
  OutputConfig o;
  o.trace = r.choice("trace", o.trace, trace_files_names());
  o.timeseries_bucket = r.time_ps("timeseries_bucket", o.timeseries_bucket);
  // A row per bucket up to sim.end: bounded here; under `auto` the series stop at the
  // same bound (TimeSeries drops later buckets and says so).
  if (o.timeseries_bucket && !s.end_auto && s.end / o.timeseries_bucket >= kMaxTimeseriesRows)
    r.fail("timeseries_bucket",
           "sim.end (" + format_time(s.end) + ") over this bucket is over " +
               std::to_string(kMaxTimeseriesRows) + " rows of timeseries.csv; use a bucket of " +
               format_time(s.end / kMaxTimeseriesRows + 1) + " or more, or 0 for none");
  o.trace_limit = r.size("trace_limit", o.trace_limit);
  if (o.trace_limit == 0) r.fail("trace_limit", "expected a size above 0");
  return o;
}

std::vector<DeviceConfig> load_devices(ConfigReader& root) {
  std::vector<DeviceConfig> out;
  std::set<std::string> names;
  std::set<uint16_t> bdfs;
  for (ConfigReader d : root.list("devices")) {
    DeviceConfig dev = load_device_config(d);
    if (!names.insert(dev.name).second)
      d.fail("name", "a device named '" + dev.name + "' exists already");
    if (!bdfs.insert(dev.bdf).second) d.fail("bdf", "another device has this bdf");
    out.push_back(std::move(dev));
  }
  return out;
}

}  // namespace

Scenario load_scenario(ConfigDoc& doc) {
  ConfigReader r = doc.root();
  Scenario s;
  if (r.integer("version", 1, 0, INT64_MAX) != 1)
    r.fail("version", "this iommu-sim reads scenario format version 1");
  s.name = r.text("name");
  if (std::string why = output_name_problem(s.name); !why.empty())
    r.fail("name", "expected a plain file name (it names the output folder): " + why);
  s.seed = uint64_t(r.integer("seed", 1, 0, INT64_MAX));

  ConfigReader sim = r.map("sim");
  if (sim.is_keyword("end", "auto")) {
    sim.keyword("end", "auto");
    s.end_auto = true;
    s.end = ~Ps{0};
  } else {
    s.end = sim.time_ps("end");
    if (s.end == 0) sim.fail("end", "expected a time above 0, or auto");
  }
  s.quantum = sim.time_ps("quantum", s.quantum);

  ConfigReader platform = r.section("platform");
  ConfigReader memory = platform.section("memory");
  s.memory = load_memory_config(memory);
  ConfigReader iommu = platform.section("iommu");
  s.iommu = load_iommu_config(iommu);
  ConfigReader pcie = platform.section("pcie");
  s.pcie = load_pcie_config(pcie);
  s.devices = load_devices(r);
  ConfigReader host = r.section("host");
  std::vector<std::string> device_names;
  for (const DeviceConfig& d : s.devices) device_names.push_back(d.name);
  s.iommus = load_iommu_units(platform, s.iommu, device_names);
  s.host = load_host_config(host, device_names);
  // A DMA job may start when a named host step ends.
  std::set<std::string> steps;
  for (const auto& op : s.host.steps)
    if (!op->name.empty()) steps.insert(op->name);
  for (const DeviceConfig& d : s.devices)
    for (const DmaJobConfig& j : d.jobs)
      if (!j.start_after.empty() && !steps.count(j.start_after))
        throw InputError(j.start_mark, "devices." + d.name + ".dma." + j.name + ".start.after",
                         "no host step named '" + j.start_after + "'");
  s.dma_api = load_dma_api(r, s.devices, s.host);
  s.checks = load_checks(r);
  s.output = load_output(r.section("output"), s);
  s.has_sweep = r.has("sweep");
  if (s.has_sweep) {  // run by `iommu-sim sweep`
    ConfigReader sw = r.map("sweep");
    if (auto vary = sw.optional_map("vary"))
      for (const auto& [path, mark] : vary->keys()) {
        std::vector<std::string> values = vary->string_list(path);
        if (values.empty()) vary->fail(path, "expected a list of values");
        s.sweep_vary.push_back({path, values});
      }
    if (auto cases = sw.optional_map("cases"))
      for (const auto& [name, mark] : cases->keys()) {
        ConfigReader c = cases->map(name);
        Scenario::SweepCase sc{name, {}};
        for (const auto& [path, m] : c.keys()) sc.sets.push_back(path + "=" + c.text(path));
        if (sc.sets.empty()) cases->fail(name, "expected a map of PATH: VALUE");
        s.sweep_cases.push_back(std::move(sc));
      }
    s.sweep_seeds = unsigned(sw.integer("seeds", 1, 1, 1000));
  }
  doc.check_unknown_keys();
  check_scenario_bounds(s, r.mark("devices"));
  return s;
}

}  // namespace sim
