// dma_logging_start (VFIO_DEVICE_FEATURE_DMA_LOGGING_START): the device logs its own
// DMA writes into `ranges` at `page_size` granules (vmm/host_dma_log.cpp).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct DmaLoggingStart final : HostOperation {
  std::string device;
  std::vector<Range> ranges;
  uint64_t page_size = 4096;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    ranges = r.range_list("ranges");
    page_size = r.size("page_size", page_size);
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    co_return co_await h.dma_logging_start(device, ranges, page_size);
  }
};

}  // namespace
extern const HostOpEntry dma_logging_start_op = host_op<DmaLoggingStart>("dma_logging_start");
}  // namespace sim
