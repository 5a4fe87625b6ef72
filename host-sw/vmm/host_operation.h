#pragma once
// One host operation as the scenario gives it: what every operation has (its place in
// the file, when it runs, the errno it expects) and the `run` each kind implements, one
// kind per file in host-sw/ops/ (the table of kinds is ops/op_table.cpp).
#include <cstdint>
#include <string>
#include <string_view>

#include "host-sw/iommufd/ucmd_size.h"
#include "host-sw/kernel/errno.h"
#include "models/base/input_error.h"
#include "models/base/units.h"
#include "models/sim/task.h"

namespace sim {

class Host;

// What a run reports beside its errno: how a result differed from what the scenario
// expects, or the saved IOVA it could not find (then the call was not made).
struct OpOutcome {
  std::string detail;
  std::string missing;
};

// An IOVA argument: an address, or the name an earlier `save_iova:` gave an allocated
// one, resolved when the operation runs (the operation saving it may have failed).
struct IovaArg {
  uint64_t value = 0;
  std::string ref;
};

class HostOperation {
 public:
  virtual ~HostOperation() = default;
  // The call, after the syscall's entry cost; its errno is compared with `expect`.
  virtual Task<Errno> run(Host& host, OpOutcome& out) const = 0;
  // Before anything runs: what the host must set up for this operation.
  virtual void prepare(Host&) const {}
  // Whether running it stops `device`'s DMA (the loader's check that a stream without
  // an end still ends under `sim.end: auto`).
  virtual bool stops_device(std::string_view device) const { return false; }
  // Whether it attaches `device`'s requests without a PASID to a HWPT (the loader's
  // check that a `dma_api:` driver has a domain to map into).
  virtual bool attaches_device(std::string_view device) const { return false; }
  // Whether fault injection may run it again after a failure (one call that must
  // unwind whole; not a migration, a sequence of calls each with its own effects).
  virtual bool injectable() const { return true; }
  // "" when the operation can say what the kernel does with its command struct cut
  // to `size` bytes (at least the minimum, below the struct: the fields past it read
  // zero); else why not, an input error at `size`. Only iommufd ioctls are asked.
  virtual std::string ucmd_cut_problem(uint32_t size) const { return ""; }

  // The call as user space makes it: an iommufd ioctl's struct size checked first, as
  // iommufd_fops_ioctl does before any handler (so before any failure point), then run.
  Task<Errno> call(Host& host, OpOutcome& out) const {
    if (Errno e = check_ucmd_size(ucmd, ucmd_size, ucmd_trailing_nonzero); e != Errno::Ok)
      co_return e;
    co_return co_await run(host, out);
  }

  std::string_view op;  // the name it is registered under
  std::string name;     // optional; `after:` and DMA `start: {after:}` refer to it
  int index = 0;        // position in its list
  SourceMark mark;      // of the op key
  Ps at = 0;
  std::string after;
  Errno expect = Errno::Ok;
  bool fail_nth = false;  // `fail_nth: true`: run under fault injection
  // An iommufd ioctl's command struct (its HostOpEntry's; {0, 0} for other operations)
  // and the caller's: `size:` (the struct's size unless given) and `trailing:`.
  UcmdStruct ucmd;
  uint32_t ucmd_size = 0;
  bool ucmd_trailing_nonzero = false;
};

}  // namespace sim
