// Fuzz target: bytes decoded into host operations (IOAS map / unmap / destroy, HWPT
// alloc, attach / detach, dirty tracking and harvests, VMM mmap / munmap) with
// random arguments, run in simulated time on the real IOMMU core in any page-table
// format; the bookkeeping invariants must hold at the end and no operation may crash
// or hang.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "host-sw/ops/op_registry.h"
#include "tests/host-sw/host_rig.h"

namespace {
struct Bytes {
  const uint8_t* p;
  size_t n;
  unsigned take(unsigned mod) {
    if (!n) return 0;
    --n;
    return *p++ % mod;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The operations written below reach the host only through the table of operations
  // (the loader's); one renamed there must fail here, not pass as rejected input.
  static const bool known = [] {
    for (const char* op :
         {"ioas_alloc", "ioas_map", "ioas_unmap", "ioas_destroy", "hwpt_alloc", "hwpt_destroy",
          "attach", "detach", "set_dirty_tracking", "get_dirty_bitmap", "access_create",
          "access_pin", "access_unpin", "wait"})
      if (!sim::find_host_operation(op))
        throw std::logic_error(std::string("no host operation named ") + op);
    return true;
  }();
  (void)known;
  Bytes in{data, size};
  std::ostringstream y;
  y << "memory: [{name: g, size: 8MiB, backing: 4KiB}, {name: h, size: 8MiB, backing: 2MiB}]\n"
       "setup:\n  - {op: ioas_alloc, id: a}\n  - {op: ioas_alloc, id: b}\n"
       "  - {op: hwpt_alloc, id: h0, ioas: a, dirty_tracking: true}\n"
       "  - {op: access_create, id: x, ioas: a}\n"
       "steps:\n";
  const char* users[] = {"g", "h"};
  const char* ioas[] = {"a", "b"};
  const char* hwpts[] = {"h0", "h1"};
  bool h1 = false;
  for (unsigned t = 1; in.n && t < 40; ++t) {
    y << "  - {at: " << t << "us, expect: "
      << "OK";
    const unsigned what = in.take(12);
    const unsigned iova = in.take(32) * 0x40000, len = (1 + in.take(16)) * 0x10000;
    switch (what) {
      case 0:
      case 1:
        y << ", op: ioas_map, ioas: " << ioas[in.take(2)] << ", iova: " << iova
          << ", user: " << users[in.take(2)] << ", offset: " << in.take(4) * 0x200000
          << ", length: " << len << ", prot: " << (in.take(3) ? "rw" : "r");
        break;
      case 2:
        y << ", op: ioas_unmap, ioas: " << ioas[in.take(2)] << ", iova: " << iova
          << ", length: " << len;
        break;
      case 3:
        y << ", op: hwpt_alloc, id: h1, ioas: " << ioas[in.take(2)] << ", dirty_tracking: true";
        h1 = true;
        break;
      case 4:
        y << ", op: attach, device: nic0, hwpt: " << hwpts[h1 ? in.take(2) : 0];
        break;
      case 5:
        y << ", op: detach, device: nic0";
        break;
      case 6:
        y << ", op: set_dirty_tracking, hwpt: h0, enable: " << (in.take(2) ? "true" : "false");
        break;
      case 7:
        y << ", op: get_dirty_bitmap, hwpt: h0, iova: " << iova << ", length: " << len
          << ", flags: [" << (in.take(2) ? "no_clear" : "") << "]";
        break;
      case 8:
        y << ", op: ioas_destroy, ioas: b";
        break;
      case 9:
        y << ", op: access_pin, access: x, iova: " << iova << ", length: " << len
          << ", write: " << (in.take(2) ? "true" : "false");
        break;
      case 10:
        y << ", op: access_unpin, access: x, iova: " << iova << ", length: " << len;
        break;
      case 11:
        if (h1) {
          y << ", op: hwpt_destroy, hwpt: h1";
          h1 = false;
        } else {
          y << ", op: wait";
        }
        break;
    }
    y << "}\n";
  }
  std::streambuf* err = std::cerr.rdbuf(nullptr);  // errno mismatches are expected here
  try {
    // The last byte picks the page-table format without moving any other decision.
    sim::IommuConfig ic;
    const char* formats[] = {"vtd-ss", "amd-v1", "arm-s1"};
    ic.format = formats[size ? data[size - 1] % 3 : 0];
    sim::test::HostRig rig(y.str(), ic);
    for (unsigned k = in.take(8); k > 0; --k)
      rig.write_at(sim::kUs * (1 + in.take(40)), in.take(32) * 0x40000);
    rig.run(sim::kMs);
    std::cerr.rdbuf(err);
    std::string broken = rig.host->check_invariants();
    if (!broken.empty()) throw std::logic_error("invariant: " + broken);
  } catch (const sim::InputError&) {
    std::cerr.rdbuf(err);  // an op referring to something not created yet: rejected input
  }
  return 0;
}
