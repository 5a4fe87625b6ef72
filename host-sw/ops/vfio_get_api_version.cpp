// vfio_get_api_version (VFIO_GET_API_VERSION on iommufd): always VFIO_API_VERSION (0),
// with or without a compat IOAS; `expect_version` checks it.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioGetApiVersion final : HostOperation {
  std::optional<uint64_t> expect_version;

  void parse(ConfigReader& r, OpNames&) {
    if (r.has("expect_version")) expect_version = uint64_t(r.integer("expect_version", 0, 255));
  }
  Task<Errno> run(Host&, OpOutcome& out) const override {
    expect_value("API version", expect_version, uint64_t(vfio_compat::kApiVersion), out.detail);
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry vfio_get_api_version_op =
    host_op<VfioGetApiVersion>("vfio_get_api_version");
}  // namespace sim
