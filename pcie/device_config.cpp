#include "pcie/device_config.h"

#include <cstdio>
#include <set>

#include <filesystem>

#include "models/base/input_file.h"
#include "models/config/config.h"
#include "pcie/replay_trace.h"

namespace sim {

bool parse_bdf(const std::string& t, uint16_t& out) {
  unsigned bus, dev, fn;
  char tail;
  if (std::sscanf(t.c_str(), "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3) return false;
  if (t.size() != 7 || bus > 255 || dev > 31 || fn > 7) return false;
  out = uint16_t(bus << 8 | dev << 3 | fn);
  return true;
}

std::string format_bdf(uint16_t b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x:%02x.%x", b >> 8, (b >> 3) & 31, b & 7);
  return buf;
}

namespace {

const NamedValues<bool> kOps{{"write", true}, {"read", false}};
const NamedValues<bool> kNicDirections{{"nic_rx", true}, {"nic_tx", false}};
// `replay` is read apart (its requests come from a file); here it is only a name.
const NamedValues<DmaPattern> kPatterns{{"sequential", DmaPattern::Sequential},
                                        {"random", DmaPattern::Random},
                                        {"stride", DmaPattern::Stride},
                                        {"zipf", DmaPattern::Zipf},
                                        {"replay", DmaPattern::Replay}};

void load_start(ConfigReader& j, const char* key, DmaJobConfig& c, bool required) {
  c.start_mark = j.mark(key);
  if (j.is_map(key)) {
    ConfigReader s = j.map(key);
    c.start_after = s.text("after");
    return;
  }
  c.start = required ? j.time_ps(key) : j.time_ps(key, 0);
}

void load_rate_and_timing(ConfigReader& j, DmaJobConfig& c);

DmaJobConfig load_job(ConfigReader& j) {
  DmaJobConfig c;
  c.name = j.text("name");
  // A PASID prefix on every TLP (PASID-capable device; PCIe allows 20 bits).
  if (j.has("pasid")) c.pasid = uint32_t(j.integer("pasid", 0, (1 << 20) - 1));
  const bool nic = j.is_keyword("pattern", "nic_rx") || j.is_keyword("pattern", "nic_tx") ||
                   j.is_keyword("pattern", "nic_mq_rx");
  if (!j.is_keyword("pattern", "replay") && !nic) c.write = j.choice("op", kOps);
  if (j.has("at")) {  // one exact DMA
    c.one_shot = true;
    load_start(j, "at", c, true);
    c.iova = j.address("iova");
    c.length = j.size("length");
    if (c.length == 0) j.fail("length", "expected a length above 0");
    if (c.iova + c.length < c.iova) j.fail("length", "the DMA wraps around the address space");
    c.size = c.length;
    c.count = 1;
    return c;
  }
  if (j.is_keyword("pattern", "replay")) {  // requests (and their ops) come from a file
    j.keyword("pattern", "replay");
    c.pattern = DmaPattern::Replay;
    std::string file = j.text("file");
    std::filesystem::path p(file);
    // A relative path is relative to the scenario file.
    if (p.is_relative()) p = std::filesystem::path(j.mark("file").file).parent_path() / p;
    try {
      check_input_file(p.string(), kReplayFile, "replay");
    } catch (const InputError& e) {
      j.fail("file", p.string() + ": " + e.message());
    }
    c.replay = std::make_shared<std::vector<ReplayRequest>>(load_replay(p.string()));
    if (c.replay->empty()) j.fail("file", "the request trace holds no request");
    load_start(j, "start", c, false);
    return c;
  }
  if (j.is_keyword("pattern", "nic_mq_rx")) {  // receive queues with RSS and buffer pools
    j.keyword("pattern", "nic_mq_rx");
    c.pattern = DmaPattern::Nic;
    c.nic_mq = load_nic_multiqueue(j);
    c.size = c.nic_mq->mean_size;
    load_rate_and_timing(j, c);
    return c;
  }
  if (j.is_keyword("pattern", "nic_rx") || j.is_keyword("pattern", "nic_tx")) {
    const bool rx = j.choice("pattern", kNicDirections);
    c.pattern = DmaPattern::Nic;
    c.size = j.size("size");
    if (c.size == 0) j.fail("size", "expected a packet size above 0");
    c.nic = load_nic_ring(j, rx, c.size);
    load_rate_and_timing(j, c);
    return c;
  }
  ConfigReader region = j.map("region");
  c.iova = region.address("iova");
  c.length = region.size("length");
  if (c.length == 0) region.fail("length", "expected a region length above 0");
  if (c.iova + c.length < c.iova)
    region.fail("length", "the region wraps around the address space");
  c.size = j.size("size");
  if (c.size == 0) j.fail("size", "expected a request size above 0");
  if (c.size > c.length) j.fail("size", "a request is larger than its region");
  c.pattern = j.choice("pattern", DmaPattern::Sequential, kPatterns);
  if (c.pattern == DmaPattern::Zipf) {
    std::string theta = j.text("theta", "0.99");
    char* end = nullptr;
    c.theta = std::strtod(theta.c_str(), &end);
    if (theta.empty() || *end || !(c.theta > 0 && c.theta <= 10))
      j.fail("theta", "expected a skew above 0 and at most 10, got '" + theta + "'");
  }
  if (c.pattern == DmaPattern::Stride) {
    c.stride = j.size("stride");
    if (c.stride == 0) j.fail("stride", "expected a stride above 0");
  }
  load_rate_and_timing(j, c);
  return c;
}

void load_rate_and_timing(ConfigReader& j, DmaJobConfig& c) {
  if (j.is_keyword("rate", "max")) {
    j.keyword("rate", "max");
  } else {
    c.rate = j.rate("rate");
  }
  load_start(j, "start", c, false);
  if (j.has("stop")) {
    c.stop = j.time_ps("stop");
    if (c.start_after.empty() && c.stop <= c.start) j.fail("stop", "stop must come after start");
  }
  if (j.has("count")) c.count = uint64_t(j.integer("count", 1, INT64_MAX));
}

}  // namespace

DeviceConfig load_device_config(ConfigReader& r) {
  DeviceConfig d;
  d.name = r.text("name");
  std::string bdf = r.text("bdf");
  if (!parse_bdf(bdf, d.bdf))
    r.fail("bdf", "expected a requester id bus:dev.fn such as 01:00.0, got '" + bdf + "'");
  d.tags = unsigned(r.integer("tags", d.tags, 1, 1024));
  d.pasid_width = unsigned(r.integer("pasid_width", d.pasid_width, 0, 20));
  d.pri = r.boolean("pri", false);
  d.vf = r.boolean("vf", false);
  {
    ConfigReader a = r.section("ats");
    AtsConfig& c = d.ats;
    c.enabled = a.boolean("enabled", false);
    c.entries = unsigned(a.integer("entries", c.entries, 1, 1 << 20));
    c.ways = unsigned(a.integer("ways", c.ways, 1, 1 << 20));
    if (c.ways > c.entries || c.entries % c.ways)
      a.fail("ways", "entries must be a multiple of ways, and ways at most entries");
    c.inv_latency = a.time_ps("inv_latency", c.inv_latency);
    c.inv_latency_max = a.time_ps("inv_latency_max", c.inv_latency);
    if (c.inv_latency_max < c.inv_latency)
      a.fail("inv_latency_max", "expected at least inv_latency");
    c.max_inv = unsigned(a.integer("max_inv", c.max_inv, 1, 1024));
  }
  {
    ConfigReader l = r.section("dma_logging");
    d.dma_logging = load_dma_logging(l);
  }
  std::set<std::string> names;
  for (ConfigReader j : r.list("dma")) {
    DmaJobConfig job = load_job(j);
    if (job.pasid != kNoPasid && job.pasid >> d.pasid_width)
      j.fail("pasid", "PASID " + std::to_string(job.pasid) +
                          " is beyond the device's pasid_width (" + std::to_string(d.pasid_width) +
                          " bits)");
    if (job.pasid != kNoPasid && d.ats.enabled)
      j.fail("pasid", "PASID-tagged DMA with ATS is not modelled (the ATC has no PASID tag)");
    if (!names.insert(job.name).second)
      j.fail("name", "a job named '" + job.name + "' exists already");
    d.jobs.push_back(std::move(job));
  }
  return d;
}

}  // namespace sim
