#pragma once
// devices[]: an endpoint with its requester id and its DMA jobs — streams of
// requests over a region at a rate, and one-shot DMAs at exact times.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/base/input_error.h"
#include "models/base/requester.h"
#include "models/base/units.h"
#include "pcie/dirty_logger.h"
#include "pcie/nic_multiqueue.h"
#include "pcie/nic_ring.h"

namespace sim {

class ConfigReader;

enum class DmaPattern { Sequential, Random, Stride, Zipf, Replay, Nic };
struct ReplayRequest;

struct DmaJobConfig {
  std::string name;
  bool write = true;
  bool one_shot = false;
  uint64_t iova = 0;    // region start, or the one DMA's address
  uint64_t length = 0;  // region length, or the one DMA's length
  uint64_t size = 0;    // bytes per request (streams)
  DmaPattern pattern = DmaPattern::Sequential;
  uint64_t stride = 0;
  double theta = 0.99;  // zipf skew: rank r is chosen with weight 1 / (r + 1)^theta
  std::shared_ptr<const std::vector<ReplayRequest>> replay;  // pattern: replay
  NicRingConfig nic;                                         // pattern: nic_rx / nic_tx
  std::shared_ptr<const NicMultiQueueConfig> nic_mq;         // pattern: nic_mq_rx
  uint64_t rate = 0;        // bytes/s of requests; 0 = max (bounded by link, tags)
  Ps start = 0;             // first issue (or the one-shot's time)
  std::string start_after;  // a host step's name: start when it ends
  SourceMark start_mark;
  Ps stop = 0;                // 0: none
  uint64_t count = 0;         // 0: none
  uint32_t pasid = kNoPasid;  // its TLPs' PASID prefix (none by default)
};

// devices[].ats: the device's own translation cache (PCIe ATS).
struct AtsConfig {
  bool enabled = false;
  unsigned entries = 64, ways = 4;
  Ps inv_latency = 1 * kUs;  // invalidation request to its completion, at least...
  Ps inv_latency_max = 0;    // ...and at most (uniform; 0: exactly inv_latency)
  unsigned max_inv = 32;     // invalidations outstanding at the device
};

struct DeviceConfig {
  std::string name;
  uint16_t bdf = 0;
  unsigned tags = 32;  // non-posted reads in flight
  // Its PCIe PASID capability's Max PASID Width (the kernel's max_pasids = 2^width):
  // its requests carry PASIDs below 2^width; 0: no PASID capability.
  unsigned pasid_width = 20;
  // Its PCIe Page Request Interface: the driver can enable I/O page faults for it (an
  // iopf-capable HWPT attaches); `vf`: it is an SR-IOV virtual function.
  bool pri = false, vf = false;
  AtsConfig ats;
  DmaLoggingConfig dma_logging;  // its own DMA dirty logger (VFIO migration v2)
  std::vector<DmaJobConfig> jobs;
};

DeviceConfig load_device_config(ConfigReader& r);
// "bus:dev.fn" -> requester id; false when malformed.
bool parse_bdf(const std::string& text, uint16_t& out);
std::string format_bdf(uint16_t bdf);

}  // namespace sim
