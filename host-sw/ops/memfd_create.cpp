// memfd_create: the VMM creates a memfd of `size` bytes (`backing`: 4KiB, or 2MiB as
// a hugetlbfs file), its pages host memory of its own; `ioas_map_file` maps ranges of
// it by offset, whatever the VMM maps or unmaps of its address space. The VMM's own
// call: no failure point.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct MemfdCreate final : HostOperation {
  std::string file;
  uint64_t size = 0, backing = 4096;

  void parse(ConfigReader& r, OpNames& n) {
    file = r.text("file");
    if (!n.files.insert(file).second) r.fail("file", "memfd '" + file + "' exists already");
    size = r.size("size");
    backing = read_backing(r, "backing");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    const std::string mapping = "memfd:" + file;  // no `user` has a ':'
    uint64_t va;
    if (Errno e = h.vmm().mmap(mapping, size, backing, false, va); e != Errno::Ok) co_return e;
    h.files()[file] = {mapping, size, size};
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry memfd_create_op = host_op<MemfdCreate>("memfd_create");
}  // namespace sim
