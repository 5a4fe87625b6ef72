// host.guest: a guest IOMMU driver (host-sw/vmm/guest_iommu.h) on a nested HWPT.
#include "host-sw/ops/op_parse.h"
#include "host-sw/vmm/guest_config.h"

namespace sim {

GuestConfig load_guest(ConfigReader& r, const OpNames& n) {
  GuestConfig g;
  g.enabled = true;
  g.hwpt = r.text("hwpt");
  n.need(r, "hwpt", n.hwpt, g.hwpt, "HWPT");
  g.table_base = r.address("table_base");
  if (g.table_base % 4096) r.fail("table_base", "expected a 4 KiB-aligned guest physical address");
  g.table_size = r.size("table_size", g.table_size);
  if (g.table_size < 4096) r.fail("table_size", "expected at least one 4 KiB page");
  g.lazy = r.choice("mode", "strict", {"strict", "lazy"}) == "lazy";
  g.fq_size = unsigned(r.integer("fq_size", g.fq_size, 1, 1 << 20));
  g.fq_timeout = r.time_ps("fq_timeout", g.fq_timeout);
  g.trap = r.time_ps("trap", g.trap);
  g.iova = r.address("iova", 0);
  g.gpa = r.address("gpa");
  g.buffers = uint64_t(r.integer("buffers", int64_t(g.buffers), 1, 1 << 20));
  g.leaf = read_backing(r, "leaf");
  if (g.leaf > (2ull << 20)) r.fail("leaf", "expected 4KiB or 2MiB");
  g.buffer_size = r.size("buffer_size", g.leaf);
  if (g.buffer_size % g.leaf) r.fail("buffer_size", "expected a whole number of leaves (`leaf`)");
  if ((g.iova | g.gpa) % g.leaf) r.fail("iova", "`iova` and `gpa` must be aligned to `leaf`");
  g.per_packet = r.choice("map", "per_packet", {"per_packet", "per_buffer"}) == "per_packet";
  g.start = r.time_ps("start", 0);
  g.interval = r.time_ps("interval", g.interval);
  if (g.interval == 0) r.fail("interval", "expected a time above 0");
  g.packets = uint64_t(r.integer("packets", 0, 0, INT64_MAX));
  return g;
}

}  // namespace sim
