// A device's PASID directory and PASID tables (as the VT-d driver's PASID table code):
// the directory is sized by the device's PASID width when its context goes into PASID
// mode (at least one page, 512 entries: as the kernel sizes it), and a PASID table of
// 64 entries is added under it the first time one of its PASIDs gets an entry.
#include <algorithm>
#include <stdexcept>

#include "host-sw/driver/iommu_driver.h"
#include "iommu/context_entry.h"

namespace sim {

namespace {

// Directory bytes for PASIDs below 2^width: one 8-byte entry per 64 PASIDs, at least
// a page.
uint64_t directory_bytes(unsigned width) {
  const uint64_t entries = (1ull << width) >> kPasidTableShift;
  return std::max<uint64_t>(4096, entries * 8);
}

}  // namespace

uint64_t IommuDriver::pasid_slot(const DeviceAttach& a, uint32_t pasid) {
  return pasid_entry_addr(a.pasid_tables.at(pasid >> kPasidTableShift), pasid);
}

bool IommuDriver::ensure_pasid_tables(DeviceAttach& a, uint16_t bdf, uint32_t pasid,
                                      bool may_fail) {
  std::vector<std::pair<uint64_t, uint64_t>> got;  // this call's, to free on a failure
  auto alloc = [&](uint64_t bytes) -> uint64_t {
    if (may_fail && fail_.should_fail(FailPoint::Alloc)) {
      for (auto [pa, n] : got) phys_.free(pa, n);
      return 0;
    }
    const uint64_t pa = phys_.alloc(bytes, 4096);
    if (!pa) throw std::runtime_error("host: out of physical memory for kernel pages");
    got.push_back({pa, bytes});
    return pa;  // sparse memory reads as zero: no entry present
  };
  uint64_t dir = a.pasid_dir, dir_bytes = a.dir_bytes;
  if (!dir) {
    unsigned width = 0;
    for (const auto& dev : env_.hw.devices)
      if (dev.bdf == bdf) width = dev.pasid_width;
    dir_bytes = directory_bytes(width);
    if (!(dir = alloc(dir_bytes))) return false;
  }
  std::vector<uint32_t> missing;
  for (uint32_t p : {kRidPasid, pasid == kNoPasid ? kRidPasid : pasid}) {
    const uint32_t index = p >> kPasidTableShift;
    if (!a.pasid_tables.count(index) &&
        std::find(missing.begin(), missing.end(), index) == missing.end())
      missing.push_back(index);
  }
  std::vector<uint64_t> tables;
  for (size_t i = 0; i < missing.size(); ++i) {
    const uint64_t t = alloc(4096);
    if (!t) return false;
    tables.push_back(t);
  }
  // Nothing fails from here on: the directory entries go in before any PASID entry
  // under them (a directory entry is not cached, so it needs no invalidation).
  if (!a.pasid_dir) {
    a.pasid_dir = dir;
    a.dir_bytes = dir_bytes;
    a.pdts = pasid_dir_pdts(dir_bytes / 8);
  }
  for (size_t i = 0; i < missing.size(); ++i) {
    a.pasid_tables[missing[i]] = tables[i];
    env_.memory.write64(a.pasid_dir + uint64_t(missing[i]) * 8,
                        PasidDirEntry{true, tables[i]}.encode());
  }
  return true;
}

Errno IommuDriver::prepare_pasid_tables(uint16_t bdf, uint32_t pasid, bool nested) {
  auto it = attach_.find(bdf);
  const bool pasid_mode = it != attach_.end() && it->second.pasid_dir;
  if (pasid == kNoPasid && !nested && !pasid_mode) return Errno::Ok;  // a legacy context
  return ensure_pasid_tables(attach_[bdf], bdf, pasid, true) ? Errno::Ok : Errno::Enomem;
}

}  // namespace sim
