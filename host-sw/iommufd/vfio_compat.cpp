#include "host-sw/iommufd/vfio_compat.h"

#include <algorithm>

namespace sim::vfio_compat {

namespace {

constexpr uint32_t kCapHeader = 8;      // id u16, version u16, next u32
constexpr uint32_t kDmaAvailSize = 12;  // header, avail u32
constexpr uint32_t kIovaCapHead = 16;   // header, nr_iovas u32, reserved u32
constexpr uint32_t kRangeSize = 16;     // start u64, end u64

uint32_t align8(uint32_t v) {
  return (v + 7) & ~7u;
}

// Little-endian stores into the caller's buffer; the callers check the room first.
void put(std::vector<uint8_t>& b, uint64_t at, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) b.at(at + i) = uint8_t(v >> (8 * i));
}
uint64_t get(const std::vector<uint8_t>& b, uint64_t at, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= uint64_t(b.at(at + i)) << (8 * i);
  return v;
}
void put_header(std::vector<uint8_t>& b, uint64_t at, uint16_t id, uint32_t next) {
  put(b, at, id, 2);
  put(b, at + 2, 1, 2);  // version 1
  put(b, at + 4, next, 4);
}

// Each fill writes at `at` with `avail` bytes of room (0: nothing may be written) and
// returns the cap's size before alignment.
uint32_t fill_dma_avail(std::vector<uint8_t>& b, uint64_t at, uint64_t avail) {
  if (avail >= kDmaAvailSize) {
    put_header(b, at, info::kCapDmaAvail, 0);
    put(b, at + kCapHeader, info::kDmaAvail, 4);
  }
  return kDmaAvailSize;
}

uint32_t fill_iova(const IoPagetable& iopt, std::vector<uint8_t>& b, uint64_t at, uint64_t avail) {
  const std::vector<IovaRange> holes = iopt.iova_ranges();
  uint32_t n = 0;
  for (const IovaRange& r : holes) {
    // An entry goes out when the head and every entry up to it fit.
    if (avail >= kIovaCapHead + uint64_t(n + 1) * kRangeSize) {
      const uint64_t e = at + kIovaCapHead + uint64_t(n) * kRangeSize;
      put(b, e, r.start, 8);
      put(b, e + 8, r.last, 8);
    }
    ++n;
  }
  if (avail >= kIovaCapHead + uint64_t(n) * kRangeSize) {
    put_header(b, at, info::kCapIovaRange, 0);
    put(b, at + kCapHeader, n, 4);
    put(b, at + kCapHeader + 4, 0, 4);
  }
  return kIovaCapHead + n * kRangeSize;
}

}  // namespace

Errno check_extension(uint32_t ext, bool have_ioas, bool all_coherent, bool noiommu_config,
                      int64_t& value) {
  switch (ext) {
    case kType1:
    case kType1v2:
    case kUnmapAll:
      value = 1;
      return Errno::Ok;
    case kNoIommu:
      value = noiommu_config ? 1 : 0;
      return Errno::Ok;
    case kDmaCc:
      if (!have_ioas) return Errno::Enodev;
      value = all_coherent ? 1 : 0;
      return Errno::Ok;
    default:  // the retired nesting type, UPDATE_VADDR (not safely doable), the rest
      value = 0;
      return Errno::Ok;
  }
}

Errno set_iommu(uint32_t type, IoPagetable* iopt) {
  if (type != kType1 && type != kType1v2) return Errno::Einval;
  if (!iopt) return Errno::Enodev;  // VFIO fails SET_IOMMU without a group
  // v1 may unmap inside a mapping: emulated by never making large IOPTEs.
  return type == kType1 ? iopt->set_huge_pages(0) : Errno::Ok;
}

Task<Errno> unmap_dma(IommuDriver& drv, IoPagetable& iopt, bool all, uint64_t iova, uint64_t size,
                      uint64_t& unmapped) {
  unmapped = 0;
  if (all) {
    if (iova || size) co_return Errno::Einval;
    co_return co_await iopt.unmap(drv, 0, UINT64_MAX, unmapped);
  }
  if (!iopt.huge_pages()) {
    // Cuts at the request's last IOVA and before its first (none before IOVA 0).
    std::vector<uint64_t> points{iova + size - 1};
    if (iova) points.push_back(iova - 1);
    if (Errno e = iopt.cut_iova(points); e != Errno::Ok) co_return e;
  }
  if (size == 0) co_return Errno::Einval;
  const uint64_t last = iova + (size - 1);
  if (last < iova) co_return Errno::Eoverflow;
  const auto& areas = iopt.areas();
  const bool any = iopt.area_at(iova) || areas.lower_bound(iova) != areas.upper_bound(last);
  if (!any) co_return Errno::Ok;  // nothing there: size 0
  co_return co_await iopt.unmap(drv, iova, size, unmapped);
}

uint64_t pagesizes(const IoPagetable& iopt, uint64_t domain_sizes) {
  uint64_t sizes = UINT64_MAX;
  for (size_t i = 0; i < iopt.domains().size(); ++i) sizes &= domain_sizes;
  if (sizes & (kCpuPage - 1)) sizes = (sizes & ~(kCpuPage - 1)) | kCpuPage;
  return std::max(sizes, iopt.alignment());
}

Errno get_info(const IoPagetable& iopt, uint64_t pgsizes, uint32_t argsz,
               std::vector<uint8_t>& buf) {
  if (argsz < info::kMinsz) return Errno::Einval;
  uint32_t total = info::kStructSz;
  uint64_t last_cap = 0;  // 0: none yet
  for (int cap = 0; cap < 2; ++cap) {
    const uint64_t avail = argsz > total ? argsz - total : 0;
    uint32_t size =
        cap == 0 ? fill_dma_avail(buf, total, avail) : fill_iova(iopt, buf, total, avail);
    size = align8(size);
    if (last_cap && argsz >= total) put(buf, last_cap + 4, total, 4);  // the previous cap's next
    last_cap = total;
    total += size;
  }
  // The struct goes back with argsz = what fits everything; cap_offset only if it did.
  std::vector<uint8_t> head(info::kStructSz, 0);
  put(head, 0, total, 4);
  put(head, 4, info::kFlagPgsizes | info::kFlagCaps, 4);
  put(head, 8, pgsizes, 8);
  put(head, 16, argsz >= total ? info::kStructSz : 0, 4);
  std::copy_n(head.begin(), std::min(argsz, info::kStructSz), buf.begin());
  return Errno::Ok;
}

std::string read_info(const std::vector<uint8_t>& buf, uint32_t argsz_in, InfoReply& out) {
  const uint32_t seen = std::min(argsz_in, info::kStructSz);  // what the kernel wrote back
  out.argsz = uint32_t(get(buf, 0, 4));
  out.flags = uint32_t(get(buf, 4, 4));
  out.pgsizes = get(buf, 8, 8);
  out.cap_offset = seen >= 20 ? uint32_t(get(buf, 16, 4)) : 0;
  if (!out.cap_offset) return "";
  if (out.argsz < out.cap_offset + kCapHeader) return "cap_offset past argsz";
  for (uint64_t cap = out.cap_offset;;) {
    const uint32_t next = uint32_t(get(buf, cap + 4, 4));
    const uint64_t size = next ? next - cap : out.argsz - cap;
    if (get(buf, cap + 2, 2) != 1) return "a cap's version is not 1";
    switch (get(buf, cap, 2)) {
      case info::kCapIovaRange: {
        out.has_ranges = true;
        const uint32_t n = uint32_t(get(buf, cap + kCapHeader, 4));
        if (kIovaCapHead + uint64_t(n) * kRangeSize > size) return "IOVA ranges past their cap";
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t e = cap + kIovaCapHead + uint64_t(i) * kRangeSize;
          out.ranges.push_back({get(buf, e, 8), get(buf, e + 8, 8)});
        }
        break;
      }
      case info::kCapDmaAvail:
        out.has_dma_avail = true;
        if (size != align8(kDmaAvailSize)) return "DMA_AVAIL cap of the wrong size";
        out.dma_avail = uint32_t(get(buf, cap + kCapHeader, 4));
        break;
      default:
        return "unknown cap id " + std::to_string(get(buf, cap, 2));
    }
    if (!next) return "";
    if (out.argsz < uint64_t(next) + kCapHeader || next <= cap)
      return "cap chain link out of place";
    cap = next;
  }
}

}  // namespace sim::vfio_compat
