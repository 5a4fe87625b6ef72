// ioas_map_file (IOMMU_IOAS_MAP_FILE): maps `length` bytes of a memfd from byte
// `start` at an IOVA, or at one the kernel allocates (the offset's low bits hint its
// alignment, as a user address does for ioas_map). The checks in the kernel's order:
// EOVERFLOW (iova or length U64_MAX), EINVAL (no permission), ENOENT (the IOAS), then
// the file's: EOVERFLOW (start + length wraps), EINVAL (length 0, or past the file's
// size: the kernel finds that when it pins, at map time with a domain), then the IOAS's
// map. The pages are the file's, charged to the calling process like any pin; only
// such areas let IOAS_CHANGE_PROCESS move an iommufd to another process.
#include "host-sw/ops/map_args.h"

namespace sim {
namespace {

struct IoasMapFile final : HostOperation {
  MapArgs a;
  std::string file;
  uint64_t start = 0;

  void parse(ConfigReader& c, OpNames& n) {
    a.parse_head(c, n);
    file = c.text("file");
    n.need(c, "file", n.files, file, "memfd");
    start = c.size("start", 0);
    a.parse_tail(c, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    std::optional<uint64_t> at;
    IoPagetable* iopt = nullptr;
    if (Errno e = a.check(h, out, at, iopt); e != Errno::Ok) co_return e;
    auto f = h.files().find(file);
    if (f == h.files().end()) co_return Errno::Enoent;  // its memfd_create failed
    if (start + a.length < start) co_return Errno::Eoverflow;
    if (a.length == 0 || start + a.length > f->second.size) co_return Errno::Einval;
    const VmmMapping* m = h.vmm().find(f->second.mapping);
    co_return co_await a.map(h, out, *iopt, at, m->va + start, /*file=*/true);
  }
};

}  // namespace
extern const HostOpEntry ioas_map_file_op =
    host_op<IoasMapFile>("ioas_map_file", iommufd_uapi::kIoasMapFile);
}  // namespace sim
