#pragma once
// What ioas_map and ioas_map_file share: the IOAS, the IOVA (fixed, a name an earlier
// `save_iova` gave, or absent: the kernel allocates one), `length`, `prot`,
// `expect_iova` and `save_iova`, and the ioctl's checks around the io_pagetable's map.
#include "host-sw/ops/op_registry.h"

namespace sim {

struct MapArgs {
  std::string ioas, save_iova;
  IovaArg iova;
  bool iova_auto = false;  // no IOVA: the kernel allocates one
  uint64_t length = 0;
  bool r = true, w = true;
  std::optional<uint64_t> expect_iova;

  // `ioas` and `iova` (before the operation's own source keys).
  void parse_head(ConfigReader& c, OpNames& n) {
    ioas = read_ioas(c, n);
    iova_auto = !c.has("iova");
    if (!iova_auto) iova = read_iova(c, n, "iova");
  }
  // `length`, `prot`, `expect_iova`, `save_iova` (after them).
  void parse_tail(ConfigReader& c, OpNames& n) {
    length = c.size("length");
    read_prot(c, r, w);
    if (c.has("expect_iova")) expect_iova = c.address("expect_iova");
    save_iova = read_save_iova(c, n);
  }
  // The ioctl's checks in the kernel's order: EINVAL for a saved IOVA that is missing,
  // EOVERFLOW (iova or length U64_MAX), EINVAL (no permission), ENOENT (the IOAS).
  // `at`: the IOVA to map at, nullopt to allocate one.
  Errno check(Host& h, OpOutcome& out, std::optional<uint64_t>& at, IoPagetable*& iopt) const {
    at = iova_auto ? 0 : h.resolve(iova, out);
    if (!at) return Errno::Einval;
    if (*at == UINT64_MAX || length == UINT64_MAX) return Errno::Eoverflow;
    if (!r && !w) return Errno::Einval;
    iopt = h.find_ioas(ioas);
    if (!iopt) return Errno::Enoent;
    if (iova_auto) at.reset();
    return Errno::Ok;
  }
  // The map of `length` bytes read at `va`; on success the IOVA is checked and saved.
  Task<Errno> map(Host& h, OpOutcome& out, IoPagetable& iopt, std::optional<uint64_t> at,
                  uint64_t va, bool file) const {
    uint64_t placed = 0;
    Errno e = co_await iopt.map(h.driver(), h.vmm(), at, va, length, r, w, placed, file);
    if (e == Errno::Ok) {
      expect_value("iova", expect_iova, placed, out.detail);
      if (!save_iova.empty()) h.save_iova(save_iova, placed);
    }
    co_return e;
  }
};

}  // namespace sim
