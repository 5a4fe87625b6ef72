#pragma once
// The pcie-bench analytic bandwidth model (Neugebauer et al., SIGCOMM 2018), ported
// as a reference: effective DMA bandwidth of saturated streams, which the simulated
// link must reproduce. Floating point is fine here: it is never on the timing path.
#include <cstdint>

#include "pcie/pcie_config.h"

namespace sim {

double model_write_gbps(const PcieConfig& c, uint64_t size);
double model_read_gbps(const PcieConfig& c, uint64_t size);

}  // namespace sim
