// ioas_option (IOMMU_OPTION): `huge_pages` of an IOAS, or the global `rlimit_mode`
// (object 0: no `ioas`, EOPNOTSUPP with one); SET with `set`, else a GET checked by
// `expect_value`.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasOption final : HostOperation {
  bool rlimit_mode = false;  // else huge_pages
  std::string ioas;
  std::optional<uint64_t> set;  // absent: GET
  std::optional<uint64_t> expect_value;

  void parse(ConfigReader& r, OpNames& n) {
    rlimit_mode = r.choice("option", {"huge_pages", "rlimit_mode"}) == "rlimit_mode";
    if (!rlimit_mode || r.has("ioas")) ioas = read_ioas(r, n);
    if (r.has("set")) set = uint64_t(r.integer("set", 0, INT64_MAX));
    if (r.has("expect_value")) expect_value = uint64_t(r.integer("expect_value", 0, INT64_MAX));
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    if (rlimit_mode) co_return rlimit(h, out);
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    if (set) co_return iopt->set_huge_pages(*set);
    sim::expect_value("value", expect_value, iopt->huge_pages() ? 1 : 0, out.detail);
    co_return Errno::Ok;
  }
  // SET needs CAP_SYS_RESOURCE (EPERM) and a context with no objects (EBUSY), then 0
  // (USER) or 1 (MM), else EINVAL.
  Errno rlimit(Host& h, OpOutcome& out) const {
    if (!ioas.empty()) return Errno::Eopnotsupp;
    if (!set) {
      sim::expect_value("value", expect_value, h.rlimit_mm() ? 1 : 0, out.detail);
      return Errno::Ok;
    }
    if (!h.config().cap_sys_resource) return Errno::Eperm;
    if (!h.ioases().empty() || !h.hwpts().empty()) return Errno::Ebusy;
    if (*set > 1) return Errno::Einval;
    h.set_rlimit_mm(*set == 1);
    return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry ioas_option_op = host_op<IoasOption>("ioas_option", iommufd_uapi::kOption);
}  // namespace sim
