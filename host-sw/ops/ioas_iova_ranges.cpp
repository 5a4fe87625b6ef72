// ioas_iova_ranges (IOMMU_IOAS_IOVA_RANGES): the usable IOVA ranges and the alignment.
// The kernel writes min(num_iovas, total) entries, the count and the alignment, then
// says EMSGSIZE when the caller's array was too small.
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

std::string show(const std::vector<IovaRange>& rs) {
  std::string s = "[";
  for (const IovaRange& r : rs) s += (s.size() > 1 ? ", " : "") + hex(r.start) + "-" + hex(r.last);
  return s + "]";
}

struct IoasIovaRanges final : HostOperation {
  std::string ioas;
  uint64_t num_iovas = UINT32_MAX;                      // entries the caller has room for
  std::optional<std::vector<IovaRange>> expect_ranges;  // also on EMSGSIZE: those written
  std::optional<uint64_t> expect_num_iovas, expect_alignment;

  void parse(ConfigReader& r, OpNames& n) {
    ioas = read_ioas(r, n);
    num_iovas = uint64_t(r.integer("num_iovas", UINT32_MAX, 0, UINT32_MAX));
    if (r.has("expect_ranges")) expect_ranges = read_iova_ranges(r, "expect_ranges");
    if (r.has("expect_num_iovas"))
      expect_num_iovas = uint64_t(r.integer("expect_num_iovas", 0, UINT32_MAX));
    if (r.has("expect_alignment")) expect_alignment = r.size("expect_alignment");
  }
  Task<Errno> run(Host& h, OpOutcome& out) const override {
    IoPagetable* iopt = h.find_ioas(ioas);
    if (!iopt) co_return Errno::Enoent;
    const std::vector<IovaRange> all = iopt->iova_ranges();
    std::vector<IovaRange> written(all.begin(),
                                   all.begin() + std::min<uint64_t>(all.size(), num_iovas));
    if (expect_ranges && *expect_ranges != written)
      out.detail = "expected ranges " + show(*expect_ranges) + ", got " + show(written);
    expect_value("num_iovas", expect_num_iovas, all.size(), out.detail);
    expect_value("alignment", expect_alignment, iopt->alignment(), out.detail);
    co_return all.size() > num_iovas ? Errno::Emsgsize : Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry ioas_iova_ranges_op =
    host_op<IoasIovaRanges>("ioas_iova_ranges", iommufd_uapi::kIoasIovaRanges);
}  // namespace sim
