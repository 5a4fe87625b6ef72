// vfio_iommu_get_info (VFIO_IOMMU_GET_INFO on iommufd): the compat IOAS's page sizes
// and its capability chain (DMA_AVAIL, then IOVA_RANGE: the IOAS's usable ranges).
// `argsz` (24, the struct's size) is the caller's buffer; EINVAL below 16, ENODEV
// without a compat IOAS. The reply is read as a caller would: `expect_argsz` (the size
// that fits every cap), `expect_flags` (a list: `pgsizes`, `caps`), `expect_pgsizes`,
// `expect_cap_offset` (24 when everything fit, else 0), and, read through the chain
// (so only when everything fit), `expect_ranges` and `expect_dma_avail`. A write past
// `argsz` or a chain a caller cannot walk fails the operation.
#include "host-sw/ops/vfio_container.h"

namespace sim {
namespace {

constexpr uint64_t kSlack = 64;  // bytes after argsz that must stay untouched
constexpr uint8_t kFill = 0xAA;  // as the selftest's ioctl_check_buf

std::string show(const std::vector<IovaRange>& rs) {
  std::string s = "[";
  for (const IovaRange& r : rs) s += (s.size() > 1 ? ", " : "") + hex(r.start) + "-" + hex(r.last);
  return s + "]";
}

struct VfioIommuGetInfo final : HostOperation {
  uint32_t argsz = vfio_compat::info::kStructSz;
  std::optional<uint64_t> expect_argsz, expect_flags, expect_pgsizes, expect_cap_offset,
      expect_dma_avail;
  std::optional<std::vector<IovaRange>> expect_ranges;

  void parse(ConfigReader& r, OpNames&) {
    argsz = uint32_t(r.integer("argsz", argsz, 0, 1 << 20));
    if (r.has("expect_argsz")) expect_argsz = uint64_t(r.integer("expect_argsz", 0, UINT32_MAX));
    static_assert(vfio_compat::info::kFlagPgsizes == 1 && vfio_compat::info::kFlagCaps == 2);
    if (r.has("expect_flags")) expect_flags = read_flags(r, {"pgsizes", "caps"}, "expect_flags");
    if (r.has("expect_pgsizes")) expect_pgsizes = r.address("expect_pgsizes");
    if (r.has("expect_cap_offset"))
      expect_cap_offset = uint64_t(r.integer("expect_cap_offset", 0, UINT32_MAX));
    if (r.has("expect_ranges")) expect_ranges = read_iova_ranges(r, "expect_ranges");
    if (r.has("expect_dma_avail")) expect_dma_avail = r.address("expect_dma_avail");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    using namespace vfio_compat;
    if (argsz < info::kMinsz) co_return Errno::Einval;
    IoPagetable* iopt = compat_iopt(h);
    if (!iopt) co_return Errno::Enodev;
    std::vector<uint8_t> buf(argsz + kSlack, kFill);
    const uint64_t sizes = pagesizes(*iopt, h.driver().format().page_sizes());
    if (Errno e = get_info(*iopt, sizes, argsz, buf); e != Errno::Ok) co_return e;
    for (uint64_t i = argsz; i < buf.size(); ++i)
      if (buf[i] != kFill) {
        out.detail = "GET_INFO wrote past argsz at byte " + std::to_string(i);
        co_return Errno::Ok;
      }
    InfoReply got;
    if (std::string bad = read_info(buf, argsz, got); !bad.empty()) {
      out.detail = "GET_INFO cap chain: " + bad;
      co_return Errno::Ok;
    }
    expect_value("argsz", expect_argsz, got.argsz, out.detail);
    expect_value("flags", expect_flags, got.flags, out.detail);
    expect_value("iova_pgsizes", expect_pgsizes, got.pgsizes, out.detail);
    expect_value("cap_offset", expect_cap_offset, got.cap_offset, out.detail);
    if (expect_dma_avail && !got.has_dma_avail && out.detail.empty())
      out.detail = "no DMA_AVAIL cap in the reply";
    if (got.has_dma_avail) expect_value("dma_avail", expect_dma_avail, got.dma_avail, out.detail);
    if (expect_ranges && out.detail.empty()) {
      if (!got.has_ranges)
        out.detail = "no IOVA_RANGE cap in the reply";
      else if (*expect_ranges != got.ranges)
        out.detail = "expected ranges " + show(*expect_ranges) + ", got " + show(got.ranges);
    }
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry vfio_iommu_get_info_op = host_op<VfioIommuGetInfo>("vfio_iommu_get_info");
}  // namespace sim
