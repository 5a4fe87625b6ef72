// ioas_map_file (IOMMU_IOAS_MAP_FILE): maps `length` bytes of a memfd from byte
// `start` at an IOVA, or at one the kernel allocates (the offset's low bits hint its
// alignment, as a user address does for ioas_map). The checks in the kernel's order:
// EOVERFLOW (iova or length U64_MAX), EINVAL (no permission), ENOENT (the IOAS), then
// the file's: EOVERFLOW (start + length wraps), EINVAL (length 0, or past the file's
// size: the kernel finds that when it pins, at map time with a domain), then the IOAS's
// map. The pages are the file's, charged to the calling process like any pin; only
// such areas let IOAS_CHANGE_PROCESS move an iommufd to another process.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct IoasMapFile final : HostOperation {
  std::string ioas, file, save_iova;
  IovaArg iova;
  bool iova_auto = false;
  uint64_t start = 0, length = 0;
  bool r = true, w = true;
  std::optional<uint64_t> expect_iova;

  void parse(ConfigReader& c, OpNames& n) {
    ioas = read_ioas(c, n);
    iova_auto = !c.has("iova");
    if (!iova_auto) iova = read_iova(c, n, "iova");
    file = c.text("file");
    n.need(c, "file", n.files, file, "memfd");
    start = c.size("start", 0);
    length = c.size("length");
    read_prot(c, r, w);
    if (c.has("expect_iova")) expect_iova = c.address("expect_iova");
    save_iova = read_save_iova(c, n);
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    std::optional<uint64_t> at = iova_auto ? 0 : h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    if (*at == UINT64_MAX || length == UINT64_MAX) co_return Errno::Eoverflow;
    if (!r && !w) co_return Errno::Einval;
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    auto f = h.files().find(file);
    if (f == h.files().end()) co_return Errno::Enoent;  // its memfd_create failed
    if (start + length < start) co_return Errno::Eoverflow;
    if (length == 0 || start + length > f->second.size) co_return Errno::Einval;
    const VmmMapping* m = h.vmm().find(f->second.mapping);
    uint64_t placed = 0;
    Errno e = co_await iopt->map(h.driver(), h.vmm(), iova_auto ? std::nullopt : at, m->va + start,
                                 length, r, w, placed, /*file=*/true);
    if (e == Errno::Ok) {
      expect_value("iova", expect_iova, placed, out.detail);
      if (!save_iova.empty()) h.save_iova(save_iova, placed);
    }
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry ioas_map_file_op = host_op<IoasMapFile>("ioas_map_file");
}  // namespace sim
