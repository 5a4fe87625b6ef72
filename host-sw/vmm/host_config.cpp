#include "host-sw/vmm/host_config.h"

#include <map>
#include <set>

#include "host-sw/driver/flush_policy.h"
#include "host-sw/iommufd/vfio_type1.h"
#include "models/base/did_you_mean.h"
#include "models/config/config.h"

namespace sim {

namespace {

uint64_t backing_size(ConfigReader& r, const char* key) {
  std::string b = r.choice(key, "4KiB", {"4KiB", "2MiB", "1GiB"});
  return b == "1GiB" ? 1ull << 30 : b == "2MiB" ? 2ull << 20 : 4096;
}

// Names defined so far, so a reference to something never created is an input error.
struct Names {
  std::set<std::string> ioas, hwpt, user, steps, saved_iovas, access;
  std::set<std::string> vfio;  // IOASes a vfio_set_iommu made containers
  std::vector<std::string> devices;
  void need(ConfigReader& r, const char* key, const std::set<std::string>& known,
            const std::string& v, const char* what) const {
    if (known.count(v)) return;
    std::vector<std::string> cand(known.begin(), known.end());
    r.fail(key, std::string("no ") + what + " named '" + v + "'" + hint(v, cand));
  }
};

FlushConfig read_flush(ConfigReader& r) {
  FlushConfig f;
  f.name = r.choice("flush", f.name, {SIM_FLUSH_POLICIES});
  f.wait = r.boolean("wait", true);
  f.ats_inv = r.choice("ats_inv", "with_sync", {"with_sync", "skipped"}) == "with_sync";
  if (f.name == "ranges") {
    f.max_ranges = unsigned(r.integer("max_ranges", f.max_ranges, 1, 1 << 20));
    f.merge_gap = r.size("merge_gap", f.merge_gap);
  }
  if (f.name == "per_pte") f.batch = unsigned(r.integer("batch", 0, 0, 254));
  if (f.name == "deferred") {
    f.batch = unsigned(r.integer("batch", 256, 1, 1 << 30));
    f.timeout = r.time_ps("timeout", f.timeout);
    f.sticky = r.boolean("sticky", true);
  }
  return f;
}

void read_prot(ConfigReader& r, HostOp& op) {
  std::string p = r.choice("prot", "rw", {"r", "w", "rw", "none"});
  op.r = p.find('r') != std::string::npos;
  op.w = p.find('w') != std::string::npos;
}

// IOVA ranges as "FIRST-LAST" (inclusive, up to 0xffffffffffffffff) or
// "START+LENGTH"; inclusive so the whole space [0, U64_MAX] can be written.
std::vector<IovaRange> read_iova_ranges(ConfigReader& r, const char* key) {
  std::vector<IovaRange> out;
  for (const std::string& t : r.string_list(key)) {
    const size_t dash = t.find('-');
    if (t.find('+') == std::string::npos && dash != std::string::npos) {
      ParseResult a = parse_address(t.substr(0, dash)), b = parse_address(t.substr(dash + 1));
      if (!a.ok() || !b.ok())
        r.fail(key, "expected a range START+LENGTH or FIRST-LAST, got '" + t + "'");
      if (b.value < a.value) r.fail(key, "range '" + t + "': last before first");
      out.push_back({a.value, b.value});
    } else {
      RangeResult rr = parse_range(t);
      if (!rr.ok()) r.fail(key, rr.error);
      out.push_back({rr.value.start, rr.value.start + (rr.value.length - 1)});
    }
  }
  return out;
}

// An IOVA: an address, or the name an earlier `save_iova:` gave an allocated one.
void read_iova(ConfigReader& r, const Names& n, const char* key, uint64_t& iova, std::string& ref) {
  if (r.has(key) && n.saved_iovas.count(r.text(key))) {
    ref = r.text(key);
    return;
  }
  iova = r.address(key);
}

void read_save_iova(ConfigReader& r, Names& n, HostOp& op) {
  if (!r.has("save_iova")) return;
  op.save_iova = r.text("save_iova");
  if (!n.saved_iovas.insert(op.save_iova).second)
    r.fail("save_iova", "an IOVA named '" + op.save_iova + "' is saved already");
}

void read_ioas(ConfigReader& r, Names& n, HostOp& op, const char* key = "ioas") {
  op.ioas = r.text(key);
  n.need(r, key, n.ioas, op.ioas, "IOAS");
}

// A list of flag names as uAPI bits (names[i] is bit i).
uint32_t read_flags(ConfigReader& r, std::initializer_list<const char*> names) {
  uint32_t bits = 0;
  for (const std::string& f : r.string_list("flags")) {
    uint32_t bit = 1, found = 0;
    std::string all;
    for (const char* name : names) {
      if (f == name) found = bit;
      all += std::string(all.empty() ? "" : ", ") + name;
      bit <<= 1;
    }
    if (!found) r.fail("flags", "unknown flag '" + f + "' (expected " + all + ")");
    bits |= found;
  }
  return bits;
}

// The user bitmap of a type1 read: granule, declared size, where it sits, what the VMM
// set in it before the call, and what it must hold after.
void read_type1_bitmap(ConfigReader& r, HostOp& op) {
  op.page_size = r.size("page_size", 4096);
  if (r.has("bitmap_size")) op.bitmap_size = r.size("bitmap_size");
  op.bitmap_offset = r.size("bitmap_offset", 0);
  if (op.bitmap_offset >= 4096) r.fail("bitmap_offset", "expected an offset below 4096");
  if (r.has("bitmap_prefill")) op.bitmap_prefill = r.range_list("bitmap_prefill");
  if (r.has("expect_dirty")) op.expect_dirty = r.range_list("expect_dirty");
}

// The VFIO type1 ops (iommufd-semantics §5), on an IOAS a vfio_set_iommu made a container.
void read_vfio(ConfigReader& r, Names& n, HostOp& op) {
  const std::string& o = op.op;
  read_ioas(r, n, op);
  if (o == "vfio_set_iommu") {
    op.type1_v2 = r.choice("type", "type1v2", {"type1v2", "type1"}) == "type1v2";
    if (!n.vfio.insert(op.ioas).second)
      r.fail("ioas", "IOAS '" + op.ioas + "' is a VFIO container already");
    return;
  }
  if (!n.vfio.count(op.ioas))
    r.fail("ioas", "IOAS '" + op.ioas + "' is no VFIO container (vfio_set_iommu it first)");
  if (r.has("argsz")) op.argsz = uint32_t(r.integer("argsz", 0, UINT32_MAX));
  if (o == "vfio_map_dma") {
    op.iova = r.address("iova");
    op.user = r.text("user");
    n.need(r, "user", n.user, op.user, "VMM mapping");
    op.offset = r.size("offset", 0);
    op.length = r.size("length");
    read_prot(r, op);
  } else if (o == "vfio_unmap_dma") {
    op.vfio_flags = read_flags(r, {"get_dirty_bitmap", "all"});
    const bool all = op.vfio_flags & vfio::kUnmapAll;
    op.iova = all ? r.address("iova", 0) : r.address("iova");
    op.length = all ? r.size("length", 0) : r.size("length");
    if (op.vfio_flags & vfio::kUnmapGetDirtyBitmap) read_type1_bitmap(r, op);
    if (r.has("expect_length")) op.expect_length = r.size("expect_length");
  } else if (o == "vfio_dirty_pages") {
    if (!r.has("flags"))
      r.fail("flags", "missing required key 'flags' (a list: start, stop or get_bitmap)");
    op.vfio_flags = read_flags(r, {"start", "stop", "get_bitmap"});
    if (op.vfio_flags & vfio::kDirtyGetBitmap) {
      op.iova = r.address("iova");
      op.length = r.size("length");
      read_type1_bitmap(r, op);
    }
  } else if (o == "vfio_pin_pages" || o == "vfio_unpin_pages") {
    op.iova = r.address("iova");
    op.pages = uint64_t(r.integer("pages", 0, INT32_MAX));
    if (o == "vfio_pin_pages") read_prot(r, op);
  } else if (o == "vfio_dma_rw") {
    op.iova = r.address("iova");
    op.length = r.size("length");
    op.write = r.boolean("write", true);
  }
}

HostOp load_op(ConfigReader& r, Names& n, bool timed) {
  HostOp op;
  op.mark = r.mark("op");
  // Packed by hand: clang-format would put each of this many names on a line of its own.
  // clang-format off
  op.op = r.choice("op", {"ioas_alloc", "ioas_destroy", "ioas_map", "ioas_unmap", "ioas_copy",
                          "ioas_iova_ranges", "ioas_allow_iovas", "ioas_option", "hwpt_alloc",
                          "attach", "detach", "set_dirty_tracking", "get_dirty_bitmap", "mmap",
                          "munmap", "device_quiesce", "device_resume", "migrate", "wait",
                          "hwpt_destroy", "access_create", "access_pin", "access_unpin",
                          "access_destroy", "vfio_set_iommu", "vfio_map_dma", "vfio_unmap_dma",
                          "vfio_dirty_pages", "vfio_pin_pages", "vfio_unpin_pages",
                          "vfio_dma_rw"});
  // clang-format on
  op.name = r.text("name", "");
  if (timed) {
    if (r.has("after")) {
      op.after = r.text("after");
      n.need(r, "after", n.steps, op.after, "earlier step");
    } else {
      op.at = r.time_ps("at");
    }
  }
  const std::string& o = op.op;
  if (o == "ioas_alloc") {
    op.id = r.text("id");
    n.ioas.insert(op.id);
  } else if (o == "ioas_destroy") {
    op.ioas = r.text("ioas");
    n.need(r, "ioas", n.ioas, op.ioas, "IOAS");
  } else if (o == "hwpt_alloc") {
    op.id = r.text("id");
    op.ioas = r.text("ioas");
    n.need(r, "ioas", n.ioas, op.ioas, "IOAS");
    op.dirty_tracking = r.boolean("dirty_tracking", false);
    if (r.has("device")) {  // the device whose IOMMU unit must support what is asked
      op.device = r.text("device");
      std::set<std::string> devs(n.devices.begin(), n.devices.end());
      n.need(r, "device", devs, op.device, "device");
    }
    n.hwpt.insert(op.id);
  } else if (o == "hwpt_destroy") {
    op.hwpt = r.text("hwpt");
    n.need(r, "hwpt", n.hwpt, op.hwpt, "HWPT");
  } else if (o == "access_create") {
    op.id = r.text("id");
    read_ioas(r, n, op);
    n.access.insert(op.id);
  } else if (o == "access_pin" || o == "access_unpin" || o == "access_destroy") {
    op.access = r.text("access");
    n.need(r, "access", n.access, op.access, "access");
    if (o != "access_destroy") {
      read_iova(r, n, "iova", op.iova, op.iova_ref);
      op.length = r.size("length");
    }
    if (o == "access_pin") op.w = r.boolean("write", false);
  } else if (o == "device_quiesce" || o == "device_resume") {
    op.device = r.text("device");
    std::set<std::string> devs(n.devices.begin(), n.devices.end());
    n.need(r, "device", devs, op.device, "device");
  } else if (o == "attach" || o == "detach") {
    op.device = r.text("device");
    std::set<std::string> devs(n.devices.begin(), n.devices.end());
    n.need(r, "device", devs, op.device, "device");
    // PASID 0 is RID_PASID (requests without one); the PASID table has 256 entries.
    if (r.has("pasid")) op.pasid = uint32_t(r.integer("pasid", 1, 255));
    if (o == "attach") {
      op.hwpt = r.text("hwpt");
      n.need(r, "hwpt", n.hwpt, op.hwpt, "HWPT");
    }
  } else if (o == "ioas_map") {
    read_ioas(r, n, op);
    op.iova_auto = !r.has("iova");  // no IOVA: the kernel allocates one
    if (!op.iova_auto) read_iova(r, n, "iova", op.iova, op.iova_ref);
    op.user = r.text("user");
    n.need(r, "user", n.user, op.user, "VMM mapping");
    op.offset = r.size("offset", 0);
    op.length = r.size("length");
    read_prot(r, op);
    if (r.has("expect_iova")) op.expect_iova = r.address("expect_iova");
    read_save_iova(r, n, op);
  } else if (o == "ioas_copy") {
    read_ioas(r, n, op, "src_ioas");
    read_iova(r, n, "src_iova", op.iova, op.iova_ref);
    op.dst_ioas = r.text("dst_ioas");
    n.need(r, "dst_ioas", n.ioas, op.dst_ioas, "IOAS");
    op.iova_auto = !r.has("dst_iova");
    if (!op.iova_auto) read_iova(r, n, "dst_iova", op.dst_iova, op.dst_iova_ref);
    op.length = r.size("length");
    read_prot(r, op);
    if (r.has("expect_iova")) op.expect_iova = r.address("expect_iova");
    read_save_iova(r, n, op);
  } else if (o == "ioas_iova_ranges") {
    read_ioas(r, n, op);
    op.num_iovas = uint64_t(r.integer("num_iovas", UINT32_MAX, 0, UINT32_MAX));
    if (r.has("expect_ranges")) op.expect_ranges = read_iova_ranges(r, "expect_ranges");
    if (r.has("expect_num_iovas"))
      op.expect_num_iovas = uint64_t(r.integer("expect_num_iovas", 0, UINT32_MAX));
    if (r.has("expect_alignment")) op.expect_alignment = r.size("expect_alignment");
  } else if (o == "ioas_allow_iovas") {
    read_ioas(r, n, op);
    op.ranges = read_iova_ranges(r, "ranges");
  } else if (o == "ioas_option") {
    // huge_pages is per IOAS; rlimit_mode is global (object 0: no `ioas`, EOPNOTSUPP
    // with one).
    op.option = r.choice("option", {"huge_pages", "rlimit_mode"});
    if (op.option == "huge_pages" || r.has("ioas")) read_ioas(r, n, op);
    if (r.has("set")) op.option_set = uint64_t(r.integer("set", 0, INT64_MAX));
    if (r.has("expect_value")) op.expect_value = uint64_t(r.integer("expect_value", 0, INT64_MAX));
  } else if (o == "ioas_unmap") {
    read_ioas(r, n, op);
    read_iova(r, n, "iova", op.iova, op.iova_ref);
    if (r.is_keyword("length", "all")) {
      r.keyword("length", "all");
      op.length_all = true;
    } else {
      op.length = r.size("length");
    }
    if (r.has("expect_length")) op.expect_length = r.size("expect_length");
  } else if (o == "set_dirty_tracking") {
    op.hwpt = r.text("hwpt");
    n.need(r, "hwpt", n.hwpt, op.hwpt, "HWPT");
    op.enable = r.boolean("enable");
    op.enable_flush = r.boolean("iotlb_flush", true);  // false: a negative control
  } else if (o == "get_dirty_bitmap") {
    op.hwpt = r.text("hwpt");
    n.need(r, "hwpt", n.hwpt, op.hwpt, "HWPT");
    read_iova(r, n, "iova", op.iova, op.iova_ref);
    op.length = r.size("length");
    op.page_size = r.size("page_size", 4096);
    for (const std::string& f : r.string_list("flags")) {
      if (f != "no_clear") r.fail("flags", "unknown flag '" + f + "' (expected no_clear)");
      op.no_clear = true;
    }
    op.flush = read_flush(r);
    op.bitmap_offset = r.size("bitmap_offset", 0);
    if (op.bitmap_offset >= 4096) r.fail("bitmap_offset", "expected an offset below 4096");
    op.window_pages = unsigned(r.integer("window_pages", 512, 1, 1 << 20));
    if (r.has("expect_dirty")) op.expect_dirty = r.range_list("expect_dirty");
  } else if (o == "migrate") {
    op.ioas = r.text("ioas");
    n.need(r, "ioas", n.ioas, op.ioas, "IOAS");
    op.page_size = r.size("page_size", 4096);
    if (op.page_size < 4096 || (op.page_size & (op.page_size - 1)))
      r.fail("page_size", "expected a power of two of at least 4KiB");
    op.flush = read_flush(r);
    op.pacing_fixed = r.choice("pacing", "back_to_back", {"back_to_back", "fixed"}) == "fixed";
    if (op.pacing_fixed) op.interval = r.time_ps("interval");
    op.copy_bandwidth = r.rate("copy_bandwidth", op.copy_bandwidth);
    op.initial_copy_free = r.choice("initial_copy", "charged", {"charged", "free"}) == "free";
    op.downtime_limit = r.time_ps("downtime_limit", op.downtime_limit);
    op.max_rounds = unsigned(r.integer("max_rounds", op.max_rounds, 1, 10000));
    op.stop_devices = r.boolean("stop_devices", true);
    op.final_no_clear = r.choice("final_harvest", "clear", {"clear", "no_clear"}) == "no_clear";
    op.tracker_type1 = r.choice("tracker", "iommu", {"iommu", "type1"}) == "type1";
    // type1 reads through the container's own ioctls, at its smallest page size.
    if (op.tracker_type1 && !n.vfio.count(op.ioas))
      r.fail("tracker", "tracker: type1 needs IOAS '" + op.ioas +
                            "' to be a VFIO container (vfio_set_iommu it first)");
    if (op.tracker_type1 && op.page_size != 4096)
      r.fail("page_size", "tracker: type1 reads at its smallest page size, 4KiB");
  } else if (o == "mmap") {
    op.user = r.text("user");
    op.size = r.size("size");
    op.backing = backing_size(r, "backing");
    op.readonly = r.boolean("readonly", false);
    n.user.insert(op.user);
  } else if (o.rfind("vfio_", 0) == 0) {
    read_vfio(r, n, op);
  } else if (o == "munmap") {
    op.user = r.text("user");
    n.need(r, "user", n.user, op.user, "VMM mapping");
  }
  std::vector<std::string> names;
  for (std::string_view e : errno_names()) names.emplace_back(e);
  op.expect = *errno_from_name(
      r.choice("expect", "OK",
               {"OK", "EINVAL", "ENOENT", "EEXIST", "ENOMEM", "EOVERFLOW", "EOPNOTSUPP", "ENOSPC",
                "EBUSY", "EADDRINUSE", "EPERM", "EFAULT", "EMSGSIZE", "EACCES", "E2BIG"}));
  if (!op.name.empty()) {
    if (n.steps.count(op.name)) r.fail("name", "a step named '" + op.name + "' exists already");
    n.steps.insert(op.name);
  }
  return op;
}

HostCost load_cost(ConfigReader r) {
  HostCost c;
  c.pte_write = r.time_ps("pte_write", c.pte_write);
  c.pte_scan = r.time_ps("pte_scan", c.pte_scan);
  c.pte_clear = r.time_ps("pte_clear", c.pte_clear);
  c.table_visit = r.time_ps("table_visit", c.table_visit);
  c.bitmap_write = r.time_ps("bitmap_write", c.bitmap_write);
  c.descriptor = r.time_ps("descriptor", c.descriptor);
  c.mmio = r.time_ps("mmio", c.mmio);
  c.poll = r.time_ps("poll", c.poll);
  if (c.poll == 0) r.fail("poll", "expected a poll interval above 0");
  c.syscall = r.time_ps("syscall", c.syscall);
  c.pin_page = r.time_ps("pin_page", c.pin_page);
  return c;
}

}  // namespace

HostConfig load_host_config(ConfigReader& r, const std::vector<std::string>& devices) {
  HostConfig h;
  if (r.is_keyword("memlock", "unlimited"))
    r.keyword("memlock", "unlimited");
  else
    h.memlock = r.size("memlock", 0);
  // pfn_batch size in runs (the kernel's 64 KiB buffer; selftests shrink it).
  h.pfn_batch_runs = size_t(r.integer("pfn_batch_runs", int64_t(h.pfn_batch_runs), 1, 1 << 20));
  for (const std::string& c : r.string_list("capabilities")) {
    if (c == "ipc_lock")
      h.cap_ipc_lock = true;
    else if (c == "sys_resource")
      h.cap_sys_resource = true;
    else
      r.fail("capabilities", "unknown capability '" + c + "' (expected ipc_lock, sys_resource)");
  }
  Names n;
  n.devices = devices;
  for (ConfigReader m : r.list("memory")) {
    VmmMemoryConfig v;
    v.name = m.text("name");
    v.size = m.size("size");
    if (v.size == 0) m.fail("size", "expected a size above 0");
    v.backing = backing_size(m, "backing");
    v.readonly = m.boolean("readonly", false);
    if (!n.user.insert(v.name).second)
      m.fail("name", "a mapping named '" + v.name + "' exists already");
    h.memory.push_back(v);
  }
  h.cost = load_cost(r.section("cost"));
  int i = 0;
  for (ConfigReader s : r.list("setup")) {
    h.setup.push_back(load_op(s, n, false));
    h.setup.back().index = i++;
  }
  i = 0;
  Ps last_at = 0;
  for (ConfigReader s : r.list("steps")) {
    HostOp op = load_op(s, n, true);
    op.index = i++;
    if (op.after.empty()) {
      if (op.at < last_at)
        s.fail("at", "steps must be listed in non-decreasing `at` (the previous one is at " +
                         format_time(last_at) + ")");
      last_at = op.at;
    }
    h.steps.push_back(std::move(op));
  }
  return h;
}

}  // namespace sim
