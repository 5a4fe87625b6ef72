#pragma once
// platform.pcie: the link every endpoint has to the root complex.
#include <cstdint>

#include "models/base/units.h"
#include "pcie/posted_order.h"

namespace sim {

class ConfigReader;

struct PcieConfig {
  unsigned gen = 3;                 // 1..6
  unsigned width = 8;               // lanes: 1, 2, 4, 8, 16, 32
  unsigned mps = 256;               // max payload size (bytes)
  unsigned mrrs = 512;              // max read request size (bytes)
  unsigned rcb = 64;                // read completion boundary (bytes)
  bool completions_at_rcb = false;  // split completions at RCB instead of MPS (older chipsets)
  unsigned addressing = 64;         // 32 or 64-bit addresses: TLP header size
  bool ecrc = false;                // 4-byte digest per TLP
  Ps host_latency = 450 * kNs;      // root complex completion path, memory access excluded
  // Posted-request flow control credits the root complex advertises to each link
  // (headers, and data in 16-byte units); 0: unlimited. A credit comes back when the
  // root complex has passed the write on.
  unsigned posted_header_credits = 0, posted_data_credits = 0;
  // Transaction ordering at each root port (pcie/posted_order.h). Relaxed by default:
  // every golden was made before ordering existed, and strict changes every timing.
  PcieOrdering ordering = PcieOrdering::Relaxed;
};

PcieConfig load_pcie_config(ConfigReader& r);

}  // namespace sim
