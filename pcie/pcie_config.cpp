#include "pcie/pcie_config.h"

#include "models/config/config.h"

namespace sim {

namespace {
bool pow2_in(int64_t v, int64_t lo, int64_t hi) {
  return v >= lo && v <= hi && (v & (v - 1)) == 0;
}
}  // namespace

PcieConfig load_pcie_config(ConfigReader& r) {
  PcieConfig c;
  c.gen = unsigned(r.integer("gen", c.gen, 1, 6));
  int64_t width = r.integer("width", c.width, 1, 32);
  if (!pow2_in(width, 1, 32))
    r.fail("width", "expected 1, 2, 4, 8, 16 or 32 lanes, got " + std::to_string(width));
  c.width = unsigned(width);
  int64_t mps = r.integer("mps", c.mps, 1, 1 << 20);
  if (!pow2_in(mps, 128, 4096))
    r.fail("mps", "expected a power of two from 128 to 4096, got " + std::to_string(mps));
  c.mps = unsigned(mps);
  int64_t mrrs = r.integer("mrrs", c.mrrs, 1, 1 << 20);
  if (!pow2_in(mrrs, 128, 4096))
    r.fail("mrrs", "expected a power of two from 128 to 4096, got " + std::to_string(mrrs));
  c.mrrs = unsigned(mrrs);
  int64_t rcb = r.integer("rcb", c.rcb, 1, 1 << 20);
  if (rcb != 64 && rcb != 128) r.fail("rcb", "expected 64 or 128, got " + std::to_string(rcb));
  c.rcb = unsigned(rcb);
  static const NamedValues<bool> completions{{"mps", false}, {"rcb", true}};
  c.completions_at_rcb = r.choice("completions", c.completions_at_rcb, completions);
  int64_t addressing = r.integer("addressing", c.addressing, 1, 64);
  if (addressing != 32 && addressing != 64)
    r.fail("addressing", "expected 32 or 64, got " + std::to_string(addressing));
  c.addressing = unsigned(addressing);
  c.ecrc = r.boolean("ecrc", c.ecrc);
  c.host_latency = r.time_ps("host_latency", c.host_latency);
  c.ordering = r.choice("ordering", c.ordering, pcie_ordering_names());
  ConfigReader cr = r.section("credits");
  c.posted_header_credits = unsigned(cr.integer("posted_headers", 0, 0, 1 << 20));
  c.posted_data_credits = unsigned(cr.integer("posted_data", 0, 0, 1 << 24));
  if (c.posted_data_credits && c.posted_data_credits < c.mps / 16)
    cr.fail("posted_data", "fewer data credits than one TLP of MPS bytes needs (" +
                               std::to_string(c.mps / 16) + ")");
  return c;
}

}  // namespace sim
