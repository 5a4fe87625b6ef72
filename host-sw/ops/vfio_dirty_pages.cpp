// vfio_dirty_pages (VFIO_IOMMU_DIRTY_PAGES): start, stop, or read a range's bitmap
// (vmm/host_vfio.cpp); none or several flags is the kernel's EINVAL. Without `ioas`
// it is iommufd's compat layer, which has no such ioctl: ENOTTY.
#include "host-sw/iommufd/vfio_type1.h"
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

struct VfioDirtyPages final : HostOperation {
  VfioDirtyArgs args;  // args.ioas "": the compat layer

  void parse(ConfigReader& r, OpNames& n) {
    if (!r.has("ioas")) {
      if (r.has("flags")) read_flags(r, {"start", "stop", "get_bitmap"});
      return;
    }
    args.ioas = read_container(r, n, args.argsz);
    if (!r.has("flags"))
      r.fail("flags", "missing required key 'flags' (a list: start, stop or get_bitmap)");
    args.flags = read_flags(r, {"start", "stop", "get_bitmap"});
    if (args.flags & vfio::kDirtyGetBitmap) {
      args.bitmap.iova = r.address("iova");
      args.bitmap.length = r.size("length");
      read_type1_bitmap(r, args.bitmap);
    }
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    if (args.ioas.empty()) co_return Errno::Enotty;  // not one of the compat ioctls
    co_return co_await h.vfio_dirty_pages(args, out.detail);
  }
};

}  // namespace
extern const HostOpEntry vfio_dirty_pages_op = host_op<VfioDirtyPages>("vfio_dirty_pages");
}  // namespace sim
