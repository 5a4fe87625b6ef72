// vfio_check_extension (VFIO_CHECK_EXTENSION on iommufd): what the compat layer says
// it supports, `extension` by its uAPI name (vfio_container.h), `expect_value` 0 or 1.
// DMA_CC_IOMMU asks the compat IOAS (ENODEV without one) whether every HWPT on it
// enforces cache coherency: ours all do (our units snoop every DMA). Our kernel is
// built without CONFIG_VFIO_NOIOMMU, so `noiommu` is 0.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioCheckExtension final : HostOperation {
  uint32_t extension = 0;
  std::optional<uint64_t> expect_value;

  void parse(ConfigReader& r, OpNames&) {
    extension = r.choice("extension", vfio_extensions());
    if (r.has("expect_value")) expect_value = uint64_t(r.integer("expect_value", 0, 1));
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    int64_t value = 0;
    const bool coherent = true;  // every HWPT of ours enforces cache coherency
    const Errno e = vfio_compat::check_extension(extension, compat_iopt(h) != nullptr, coherent,
                                                 /*noiommu_config=*/false, value);
    if (e == Errno::Ok) sim::expect_value("extension", expect_value, uint64_t(value), out.detail);
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry vfio_check_extension_op =
    host_op<VfioCheckExtension>("vfio_check_extension");
}  // namespace sim
