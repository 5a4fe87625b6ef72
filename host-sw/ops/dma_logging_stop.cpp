// dma_logging_stop (VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP): the device forgets its
// ranges and whatever its log still held.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct DmaLoggingStop final : HostOperation {
  std::string device;
  void parse(ConfigReader& r, OpNames& n) { device = n.device(r); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    co_return co_await h.dma_logging_stop(device);
  }
};

}  // namespace
extern const HostOpEntry dma_logging_stop_op = host_op<DmaLoggingStop>("dma_logging_stop");
}  // namespace sim
