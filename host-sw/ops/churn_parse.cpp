// `migrate`'s `churn:` block: the region whose areas the guest remaps, how often, in
// which order, and how the VMM reads a buffer's dirty state before it goes.
#include "host-sw/ops/op_parse.h"
#include "models/config/named_values.h"

namespace sim {

ChurnParams read_churn(ConfigReader& m, bool vfio_container, bool tracker_type1) {
  static const NamedValues<UnmapKind> kUnmap{{"plain", UnmapKind::Plain},
                                             {"no_clear_then_unmap", UnmapKind::NoClearThenUnmap},
                                             {"atomic", UnmapKind::Atomic}};
  static const NamedValues<bool> kPattern{{"sequential", false}, {"random", true}};
  ChurnParams c;
  c.on = true;
  c.iova = m.address("iova");
  c.length = m.size("length");
  c.start = m.time_ps("start", 0);
  c.interval = m.time_ps("interval");
  if (c.interval == 0) m.fail("interval", "expected a time above 0");
  c.random = m.choice("pattern", false, kPattern);
  c.unmap = m.choice("unmap", UnmapKind::Plain, kUnmap);
  c.gap = m.time_ps("gap", 0);
  c.seed = uint64_t(m.integer("seed", 1, 0, INT64_MAX));
  if (m.has("move_to")) {
    c.move = true;
    c.move_to = m.address("move_to");
    if (c.move_to % 4096 || c.iova % 4096)
      m.fail("move_to", "move_to and iova must be 4 KiB-aligned");
    if (c.move_to < c.iova + c.length && c.iova < c.move_to + c.length)
      m.fail("move_to", "the window at move_to overlaps the region [iova, iova + length)");
  }
  // type1's atomic unmap-with-bitmap is a container call; the NO_CLEAR read an iommufd one.
  if (c.unmap == UnmapKind::Atomic && !vfio_container)
    m.fail("unmap",
           "unmap: atomic is VFIO type1's UNMAP_DMA with a bitmap: the IOAS must be a "
           "VFIO container (vfio_set_iommu it first)");
  if (c.unmap == UnmapKind::NoClearThenUnmap && tracker_type1)
    m.fail("unmap",
           "unmap: no_clear_then_unmap reads the HWPT's D bits: it goes with tracker: iommu");
  return c;
}

}  // namespace sim
