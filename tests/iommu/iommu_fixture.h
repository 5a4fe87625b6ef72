#pragma once
// A hand-built machine for IOMMU core tests: memory, a domain's page table written
// entry by entry, context entries, and the invalidation queue driven through MMIO.
#include "iommu/context_entry.h"
#include "iommu/inv_descriptor.h"
#include "iommu/iommu.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_ss_format.h"
#include "models/base/requester.h"

namespace sim::test {

// The PASID table serving `pasid` under the PASID directory at `dir`, its directory
// entry written (tests put directory index i's table at 2 GiB + i pages).
inline uint64_t pasid_table_for(SparseMemory& mem, uint64_t dir, uint32_t pasid) {
  const uint64_t table = 0x80000000ull + uint64_t(pasid >> kPasidTableShift) * 4096;
  mem.write64(pasid_dir_entry_addr(dir, pasid), PasidDirEntry{true, table}.encode());
  return table;
}

struct IommuRig {
  static constexpr uint64_t kRootTable = 0x100000, kQueue = 0x101000, kStatus = 0x102000;
  static constexpr uint64_t kPtRoot = 0x200000;
  static constexpr uint16_t kBdf = 0x0100, kDid = 7;

  SparseMemory mem{1ull << 32};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  Dispatcher d;
  StatsRegistry stats;
  TraceRecorder trace;
  IommuConfig cfg;
  VtdSsFormat f{4};
  std::unique_ptr<Iommu> iommu;
  uint64_t next_table = 0x300000;
  uint64_t tail = 0;
  uint32_t seq = 0;

  explicit IommuRig(IommuConfig c = {}) : cfg(c) {
    iommu = std::make_unique<Iommu>(cfg, mem, timing, d, stats, trace);
    iommu->mmio_write(vtd::RTADDR, kRootTable, 8, 0);
    iommu->mmio_write(vtd::IQA, kQueue, 8, 0);
    iommu->mmio_write(vtd::GCMD, vtd::TE | vtd::SRTP | vtd::QIE, 4, 0);
    set_context(true, false);
  }
  void set_context(bool present, bool ade, uint16_t bdf = kBdf) {
    RootEntry r{true, 0x180000};
    auto [rl, rh] = r.encode();
    mem.write64(root_entry_addr(kRootTable, bdf), rl);
    mem.write64(root_entry_addr(kRootTable, bdf) + 8, rh);
    ContextEntry c{present, ContextEntry::kTranslate, kPtRoot, 2, ade, kDid};
    auto [cl, ch] = c.encode();
    mem.write64(context_entry_addr(0x180000, bdf), cl);
    mem.write64(context_entry_addr(0x180000, bdf) + 8, ch);
  }
  // Maps iova -> pa with a leaf at `level`, building tables as needed; returns the PTE address.
  uint64_t map(uint64_t iova, uint64_t pa, unsigned level = 1, bool w = true) {
    return map_size(iova, pa, 12 + 9 * (level - 1), {true, w, false});
  }
  // The same for a leaf of 2^shift bytes in the IOMMU's format, written into every
  // replica it occupies (AMD v1); returns the address of the first.
  uint64_t map_size(uint64_t iova, uint64_t pa, unsigned shift, LeafPerm perm) {
    const PageTableFormat& pt = iommu->format();
    const unsigned level = pt.leaf_level(shift);
    uint64_t table = kPtRoot;
    for (unsigned l = pt.levels(); l > level; --l) {
      uint64_t slot = table + 8 * pt.index(iova, l);
      Pte p = pt.decode(mem.read64(slot), l);
      if (!p.present) {
        mem.write64(slot, pt.make_table(next_table, l));
        next_table += 4096;
      }
      table = pt.decode(mem.read64(slot), l).addr;
    }
    const uint64_t first = table + 8 * pt.index(iova & ~((1ull << shift) - 1), level);
    for (uint64_t i = 0; i < pt.leaf_entries(shift); ++i)
      mem.write64(first + 8 * i, pt.make_leaf(pa, shift, perm));
    return first;
  }
  Translation write(uint64_t iova, Ps at, uint16_t bdf = kBdf) {
    return iommu->translate(bdf, kNoPasid, iova, 64, true, at);
  }
  Translation read(uint64_t iova, Ps at) {
    return iommu->translate(kBdf, kNoPasid, iova, 64, false, at);
  }
  // Submits descriptors plus a wait at `at`; returns the status value to watch.
  uint32_t submit(std::vector<InvDescriptor> descs, Ps at) {
    descs.push_back(InvDescriptor::wait(kStatus, ++seq));
    for (const InvDescriptor& x : descs) {
      uint64_t lo, hi;
      x.encode(lo, hi);
      mem.write64(kQueue + tail * 16, lo);
      mem.write64(kQueue + tail * 16 + 8, hi);
      tail = (tail + 1) % 256;
    }
    iommu->mmio_write(vtd::IQT, tail * 16, 8, at);
    return seq;
  }
  uint64_t stat(const std::string& n) { return uint64_t(std::get<int64_t>(*stats.get(n))); }
};

}  // namespace sim::test
