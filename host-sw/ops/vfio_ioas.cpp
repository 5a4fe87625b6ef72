// vfio_ioas (IOMMU_VFIO_IOAS): which IOAS iommufd's VFIO compatibility ioctls serve.
// `cmd: set` with `ioas` (ENOENT unless it names a live IOAS), `get` (ENODEV without
// one; `expect_ioas` names the IOAS it returns), `clear`.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

enum class Cmd { Get, Set, Clear };

struct VfioIoas final : HostOperation {
  Cmd cmd = Cmd::Get;
  std::string ioas, expect_ioas;

  void parse(ConfigReader& r, OpNames& n) {
    static const NamedValues<Cmd> kCmds{
        {"get", Cmd::Get}, {"set", Cmd::Set}, {"clear", Cmd::Clear}};
    cmd = r.choice("cmd", kCmds);
    if (cmd == Cmd::Set) {
      // Any object's name: one of another type is the kernel's ENOENT when it runs.
      ioas = r.text("ioas");
      n.need_object(r, "ioas", n.ioas, ioas, "IOAS");
    }
    if (cmd == Cmd::Get && r.has("expect_ioas")) expect_ioas = read_ioas(r, n, "expect_ioas");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    switch (cmd) {
      case Cmd::Set:
        if (!h.find_ioas(ioas)) co_return Errno::Enoent;
        h.compat_ioas() = ioas;
        co_return Errno::Ok;
      case Cmd::Clear:
        h.compat_ioas().clear();
        co_return Errno::Ok;
      case Cmd::Get:
        if (!compat_iopt(h)) co_return Errno::Enodev;
        if (!expect_ioas.empty() && expect_ioas != h.compat_ioas())
          out.detail = "expected IOAS " + expect_ioas + ", got " + h.compat_ioas();
        co_return Errno::Ok;
    }
    co_return Errno::Einval;
  }
};

}  // namespace
extern const HostOpEntry vfio_ioas_op = host_op<VfioIoas>("vfio_ioas", iommufd_uapi::kVfioIoas);
}  // namespace sim
