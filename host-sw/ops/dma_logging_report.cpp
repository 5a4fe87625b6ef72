// dma_logging_report (VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT): the device's dirty
// granules of one IOVA range, cleared on the device, against `expect_dirty`.
#include "host-sw/iommufd/dirty_ranges.h"
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct DmaLoggingReport final : HostOperation {
  std::string device;
  uint64_t iova = 0, length = 0, page_size = 4096;
  std::optional<std::vector<Range>> expect_dirty;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    iova = r.address("iova");
    length = r.size("length");
    page_size = r.size("page_size", page_size);
    if (r.has("expect_dirty")) expect_dirty = r.range_list("expect_dirty");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    std::vector<Range> have;
    const Errno e = co_await h.dma_logging_report(device, iova, length, page_size, &have);
    if (e == Errno::Ok && expect_dirty) out.detail = dirty_mismatch(*expect_dirty, have);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry dma_logging_report_op = host_op<DmaLoggingReport>("dma_logging_report");
}  // namespace sim
