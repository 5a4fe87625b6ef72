#include "host-sw/ops/load_host_config.h"

#include "host-sw/ops/op_registry.h"

namespace sim {

namespace {

// An iommufd ioctl's generic keys: `size:` the caller's struct size (the struct's own
// unless given) and `trailing:` whether the bytes past the kernel's struct are `zero`
// (the default, and all there is without a larger `size`) or `nonzero` (only with a
// larger `size`).
void read_ucmd_size(ConfigReader& r, HostOperation& op) {
  const UcmdStruct& s = op.ucmd;
  if (!s.is_ioctl()) {
    if (r.has("trailing"))
      r.fail("trailing", std::string(op.op) +
                             " is no iommufd ioctl: `trailing` is for an iommufd command struct");
    return;
  }
  op.ucmd_size = uint32_t(r.integer("size", s.size, 0, UINT32_MAX));
  op.ucmd_trailing_nonzero = r.choice("trailing", "zero", {"zero", "nonzero"}) == "nonzero";
  if (op.ucmd_trailing_nonzero && op.ucmd_size <= s.size)
    r.fail("trailing", "trailing bytes exist only past the struct's " + std::to_string(s.size) +
                           " bytes (`size` is " + std::to_string(op.ucmd_size) + ")");
  if (op.ucmd_size >= s.min_size && op.ucmd_size < s.size)
    if (std::string why = op.ucmd_cut_problem(op.ucmd_size); !why.empty()) r.fail("size", why);
}

// The keys every operation has around its own: op, name, at / after, expect, fail_nth,
// and an iommufd ioctl's size and trailing.
std::shared_ptr<const HostOperation> load_op(ConfigReader& r, OpNames& n, int index, bool timed) {
  const SourceMark mark = r.mark("op");
  const HostOpEntry* entry = find_host_operation(r.choice("op", host_operation_names()));
  const std::string name = r.text("name", "");
  std::string after;
  Ps at = 0;
  if (timed) {
    if (r.has("after")) {
      after = r.text("after");
      n.need(r, "after", n.steps, after, "earlier step");
    } else {
      at = r.time_ps("at");
    }
  }
  std::unique_ptr<HostOperation> op = entry->parse(r, n);
  op->op = entry->name;
  op->ucmd = entry->ucmd;
  read_ucmd_size(r, *op);
  op->index = index;
  op->mark = mark;
  op->name = name;
  op->after = after;
  op->at = at;
  static const std::vector<std::string> kErrnos(errno_names().begin(), errno_names().end());
  op->expect = *errno_from_name(r.choice("expect", "OK", kErrnos));
  op->fail_nth = r.boolean("fail_nth", false);
  if (!name.empty()) {
    if (n.steps.count(name)) r.fail("name", "a step named '" + name + "' exists already");
    n.steps.insert(name);
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
  h.fail_nth = r.boolean("fail_nth", false);
  for (const std::string& c : r.string_list("capabilities")) {
    if (c == "ipc_lock")
      h.cap_ipc_lock = true;
    else if (c == "sys_resource")
      h.cap_sys_resource = true;
    else
      r.fail("capabilities", "unknown capability '" + c + "' (expected ipc_lock, sys_resource)");
  }
  OpNames n;
  n.devices = devices;
  for (ConfigReader m : r.list("memory")) {
    VmmMemoryConfig v;
    v.name = m.text("name");
    v.size = m.size("size");
    if (v.size == 0) m.fail("size", "expected a size above 0");
    v.backing = read_backing(m, "backing");
    if (v.size % v.backing)
      m.fail("backing", "the mapping's size (" + std::to_string(v.size) +
                            " bytes) is not a whole number of its backing pages");
    v.size_mark = m.mark("size");
    v.size_key = m.path() + ".size";
    v.readonly = m.boolean("readonly", false);
    if (!n.user.insert(v.name).second)
      m.fail("name", "a mapping named '" + v.name + "' exists already");
    h.memory.push_back(v);
  }
  h.cost = load_cost(r.section("cost"));
  int i = 0;
  for (ConfigReader s : r.list("setup")) {
    h.setup.push_back(load_op(s, n, i++, false));
  }
  i = 0;
  Ps last_at = 0;
  for (ConfigReader s : r.list("steps")) {
    std::shared_ptr<const HostOperation> op = load_op(s, n, i++, true);
    if (op->after.empty()) {
      if (op->at < last_at)
        s.fail("at", "steps must be listed in non-decreasing `at` (the previous one is at " +
                         format_time(last_at) + ")");
      last_at = op->at;
    }
    h.steps.push_back(std::move(op));
  }
  if (std::optional<ConfigReader> g = r.optional_map("guest")) h.guest = load_guest(*g, n);
  return h;
}

}  // namespace sim
