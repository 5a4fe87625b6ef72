#pragma once
// host: the VMM's memory, the host cost model, and the operations it performs —
// `setup:` before time 0, `steps:` in simulated time — each checked against the
// scenario before anything runs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/iommufd/iova_allocator.h"
#include "host-sw/kernel/errno.h"
#include "host-sw/kernel/host_cpu.h"
#include "models/base/input_error.h"
#include "models/base/requester.h"
#include "models/base/units.h"

namespace sim {

class ConfigReader;

struct VmmMemoryConfig {
  std::string name;
  uint64_t size = 0, backing = 4096;
  bool readonly = false;
};

struct HostOp {
  std::string op;
  std::string name;  // optional; `after:` and DMA `start: {after:}` refer to it
  int index = 0;     // position in its list
  SourceMark mark;   // of the op key
  Ps at = 0;
  std::string after;
  // References and arguments (each op reads the ones it needs).
  std::string id, ioas, hwpt, device, user, access;
  uint32_t pasid = kNoPasid;  // attach / detach: the PASID (none: the device's RID)
  uint64_t iova = 0, length = 0, offset = 0, size = 0, backing = 4096;
  bool length_all = false;
  bool iova_auto = false;  // ioas_map / ioas_copy without an IOVA: allocated
  std::string dst_ioas;    // ioas_copy (`ioas` is the source)
  // `save_iova: NAME` keeps the IOVA a map or copy got; later ops may give NAME where
  // an IOVA goes (iova_ref / dst_iova_ref, resolved when the op runs).
  std::string save_iova, iova_ref, dst_iova_ref;
  uint64_t dst_iova = 0;
  std::vector<IovaRange> ranges;       // ioas_allow_iovas
  uint64_t num_iovas = UINT32_MAX;     // ioas_iova_ranges: entries the caller has room for
  std::string option;                  // ioas_option: huge_pages | rlimit_mode
  std::optional<uint64_t> option_set;  // ioas_option: SET this value; absent: GET
  bool r = true, w = true, readonly = false;
  bool dirty_tracking = false, enable = false, no_clear = false;
  bool enable_flush = true;  // set_dirty_tracking: the driver's IOTLB flush
  uint64_t page_size = 4096;
  uint64_t bitmap_offset = 0;
  unsigned window_pages = 512;
  FlushConfig flush;
  Errno expect = Errno::Ok;
  std::optional<std::vector<Range>> expect_dirty;
  // Results checked when the call succeeds (expect_ranges also on EMSGSIZE: the
  // entries written).
  std::optional<uint64_t> expect_iova, expect_length, expect_alignment, expect_num_iovas,
      expect_value;
  std::optional<std::vector<IovaRange>> expect_ranges;
  // migrate
  uint64_t copy_bandwidth = 10'000'000'000;
  bool initial_copy_free = false, pacing_fixed = false, stop_devices = true;
  bool final_no_clear = false;
  bool tracker_type1 = false;  // VFIO type1 dirty tracking: no D bits, everything mapped
  Ps interval = 0, downtime_limit = 300 * kMs;
  unsigned max_rounds = 30;
  // VFIO type1 (vfio_*): the uAPI flag bits, argsz (absent: the struct's size), the
  // bitmap's declared size (absent: DIRTY_BITMAP_BYTES of the range), bits the VMM
  // set before the call, the container type, the pin count and an rw's direction.
  uint32_t vfio_flags = 0;
  std::optional<uint32_t> argsz;
  std::optional<uint64_t> bitmap_size;
  std::vector<Range> bitmap_prefill;
  bool type1_v2 = true, write = true;
  uint64_t pages = 0;
};

struct HostConfig {
  uint64_t memlock = 0;  // 0: unlimited
  // The VMM's capabilities: CAP_IPC_LOCK (its pins are not charged), CAP_SYS_RESOURCE
  // (may set RLIMIT_MODE).
  bool cap_ipc_lock = false, cap_sys_resource = false;
  size_t pfn_batch_runs = 65536 / 12;  // PfnBatch::kDefaultRuns
  std::vector<VmmMemoryConfig> memory;
  HostCost cost;
  std::vector<HostOp> setup, steps;
};

// `devices`: the device names scenario steps may refer to.
HostConfig load_host_config(ConfigReader& r, const std::vector<std::string>& devices);

}  // namespace sim
