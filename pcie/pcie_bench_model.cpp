#include "pcie/pcie_bench_model.h"

#include <algorithm>

#include "pcie/link.h"

namespace sim {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}
}  // namespace

double model_write_gbps(const PcieConfig& c, uint64_t size) {
  const TlpOverheads o = tlp_overheads(c);
  const double wire = double(size + ceil_div(size, c.mps) * o.mwr);
  return link_rates(c).tlp_gbps() * double(size) / wire;
}

double model_read_gbps(const PcieConfig& c, uint64_t size) {
  const TlpOverheads o = tlp_overheads(c);
  const uint64_t chunk = c.completions_at_rcb ? c.rcb : c.mps;
  const double rx_wire = double(size + ceil_div(size, chunk) * o.cpld);
  const double tx_wire = double(ceil_div(size, c.mrrs) * o.mrd);
  const double bw = link_rates(c).tlp_gbps();
  // Completions bound the rate unless the requests on the other direction do.
  return std::min(bw * double(size) / rx_wire, bw * double(size) / tx_wire);
}

}  // namespace sim
