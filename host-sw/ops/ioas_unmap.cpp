// ioas_unmap (IOMMU_IOAS_UNMAP): removes whole areas in a range; `length: all` is
// U64_MAX, unmap-all with iova 0 and EOVERFLOW otherwise, as in the kernel.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasUnmap final : HostOperation {
  std::string ioas;
  IovaArg iova;
  uint64_t length = 0;
  bool length_all = false;
  std::optional<uint64_t> expect_length;  // bytes removed

  void parse(ConfigReader& r, OpNames& n) {
    ioas = read_ioas(r, n);
    iova = read_iova(r, n, "iova");
    if (r.is_keyword("length", "all")) {
      r.keyword("length", "all");
      length_all = true;
    } else {
      length = r.size("length");
    }
    if (r.has("expect_length")) expect_length = r.size("expect_length");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> at = h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    uint64_t n = 0;
    Errno e = co_await iopt->unmap(h.driver(), *at, length_all ? UINT64_MAX : length, n);
    if (e == Errno::Ok) expect_value("length", expect_length, n, out.detail);
    co_return e;  // on error the length is not copied back: nothing to compare
  }
};

}  // namespace
extern const HostOpEntry ioas_unmap_op = host_op<IoasUnmap>("ioas_unmap", iommufd_uapi::kIoasUnmap);
}  // namespace sim
