// memfd_truncate (ftruncate on a memfd): its size becomes `size`; what is pinned stays
// pinned (a pin holds the folio), but MAP_FILE past the new size is EINVAL. A memfd
// grows back at most to the size it was created with (EINVAL beyond: a model limit).
// The VMM's own call: no failure point.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct MemfdTruncate final : HostOperation {
  std::string file;
  uint64_t size = 0;

  void parse(ConfigReader& r, OpNames& n) {
    file = r.text("file");
    n.need(r, "file", n.files, file, "memfd");
    size = r.size("size");
  }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    auto it = h.files().find(file);
    if (it == h.files().end()) co_return Errno::Enoent;  // its memfd_create failed
    if (size > it->second.capacity) co_return Errno::Einval;
    it->second.size = size;
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry memfd_truncate_op = host_op<MemfdTruncate>("memfd_truncate");
}  // namespace sim
