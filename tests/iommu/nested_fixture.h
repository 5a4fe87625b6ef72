#pragma once
// A hand-built machine for nested translation: a unit with nesting, a device whose
// context enables PASIDs, its RID_PASID entry nested (the guest's stage-1 table over
// the host's stage-2 table), the guest's memory at host kGuestBase + GPA, and the
// invalidation queue and fault log driven through MMIO, as host software would.
#include <memory>
#include <string>
#include <vector>

#include "iommu/context_entry.h"
#include "iommu/inv_descriptor.h"
#include "iommu/iommu.h"
#include "iommu/stage1_formats.h"
#include "iommu/vtd_regs.h"
#include "models/base/requester.h"

namespace sim::test {

struct NestedIommuRig {
  static constexpr uint64_t kRootTable = 0x100000, kQueue = 0x101000, kStatus = 0x102000;
  static constexpr uint64_t kFaultLog = 0x103000, kContextTable = 0x180000;
  // The PASID directory, and the PASID table of its entry 0 (PASIDs 0..63) a page up.
  static constexpr uint64_t kPasidDir = 0x110000, kPasidTable = 0x111000;
  static constexpr uint64_t kS2Root = 0x200000;
  static constexpr uint64_t kGuestBase = 4ull << 30;
  static constexpr uint64_t kS1Root = 0x10000;  // a GPA
  static constexpr uint16_t kBdf = 0x0100, kS1Did = 9, kS2Did = 3;
  static constexpr uint64_t kMappedGuest = 64ull << 20;  // stage 2 maps GPAs below this

  SparseMemory mem{8ull << 30};
  MemoryTiming timing{80 * kNs, 25'600'000'000};
  Dispatcher d;
  StatsRegistry stats;
  TraceRecorder trace;
  IommuConfig cfg;
  std::unique_ptr<PageTableFormat> s1;
  std::unique_ptr<Iommu> iommu;
  uint64_t next_s2 = kS2Root + 4096;
  uint64_t next_s1 = kS1Root + 4096;
  uint64_t tail = 0;
  uint32_t seq = 0;

  // Stage 2 maps [0, kMappedGuest) with leaves of 2^s2_shift bytes, writable.
  explicit NestedIommuRig(IommuConfig c = with_nesting(), Stage1Format f = Stage1Format::kVtdFs,
                          unsigned s2_shift = 12, bool s2_ade = true)
      : cfg(c) {
    const Stage1Registration* r = stage1_format(f);
    s1 = r->make(4);
    iommu = std::make_unique<Iommu>(cfg, mem, timing, d, stats, trace);
    iommu->mmio_write(vtd::RTADDR, kRootTable, 8, 0);
    iommu->mmio_write(vtd::IQA, kQueue, 8, 0);
    iommu->mmio_write(vtd::AFLOG, kFaultLog, 8, 0);
    iommu->mmio_write(vtd::GCMD, vtd::TE | vtd::SRTP | vtd::QIE | vtd::SFL, 4, 0);
    RootEntry root{true, kContextTable};
    write16(root_entry_addr(kRootTable, kBdf), root.encode());
    ContextEntry ctx{true, ContextEntry::kTranslate, kPasidDir, 2, false, 0, true};
    write16(context_entry_addr(kContextTable, kBdf), ctx.encode());
    mem.write64(pasid_dir_entry_addr(kPasidDir, kRidPasid),
                PasidDirEntry{true, kPasidTable}.encode());
    PasidEntry pe{true, false, kS2Root, 2, s2_ade, kS1Did};
    pe.nested = true;
    write16(pasid_entry_addr(kPasidTable, kRidPasid), pe.encode());
    PasidNesting n{kS1Root, f, 4, f == Stage1Format::kArmS1, kS2Did};
    write16(pasid_nesting_addr(kPasidTable, kRidPasid), n.encode());
    for (uint64_t g = 0; g < kMappedGuest; g += 1ull << s2_shift)
      map_s2(g, kGuestBase + g, s2_shift);
  }
  // Another stage-1 half for RID_PASID (before its first request): a format, its levels.
  void set_stage1(Stage1Format f, unsigned levels, bool s1_ad) {
    PasidNesting n{kS1Root, f, uint8_t(levels), s1_ad, kS2Did};
    write16(pasid_nesting_addr(kPasidTable, kRidPasid), n.encode());
    if (const Stage1Registration* r = stage1_format(f))
      if (levels >= r->min_levels && levels <= r->max_levels) s1 = r->make(levels);
  }
  // The device may use ATS (translation requests), before its first request.
  void set_ats() {
    ContextEntry ctx{true, ContextEntry::kTranslateAts, kPasidDir, 2, false, 0, true};
    write16(context_entry_addr(kContextTable, kBdf), ctx.encode());
  }
  static IommuConfig with_nesting() {
    IommuConfig c;
    c.nesting = true;
    return c;
  }
  void write16(uint64_t at, std::pair<uint64_t, uint64_t> v) {
    mem.write64(at, v.first);
    mem.write64(at + 8, v.second);
  }
  // Writes a leaf into a table tree at host `base` + table addresses; returns the
  // host address of the leaf.
  uint64_t map(const PageTableFormat& f, uint64_t root, uint64_t base, uint64_t va, uint64_t pa,
               unsigned shift, LeafPerm perm, uint64_t& next) {
    const unsigned level = f.leaf_level(shift);
    uint64_t table = root;
    for (unsigned l = f.levels(); l > level; --l) {
      uint64_t* slot = mem.word64(base + table + 8 * f.index(va, l));
      if (!f.decode(*slot, l).present) {
        *slot = f.make_table(next, l);
        next += 4096;
      }
      table = f.decode(*slot, l).addr;
    }
    const uint64_t leaf = base + table + 8 * f.index(va, level);
    *mem.word64(leaf) = f.make_leaf(pa, shift, perm);
    return leaf;
  }
  uint64_t map_s2(uint64_t gpa, uint64_t hpa, unsigned shift = 12, bool w = true) {
    return map(iommu->format(), kS2Root, 0, gpa, hpa, shift, {true, w, true}, next_s2);
  }
  uint64_t map_s1(uint64_t iova, uint64_t gpa, unsigned shift = 12, bool w = true) {
    return map(*s1, kS1Root, kGuestBase, iova, gpa, shift, {true, w, true}, next_s1);
  }
  Translation access(uint64_t iova, bool write, Ps at) {
    return iommu->translate(kBdf, kNoPasid, iova, 64, write, at);
  }
  // Submits descriptors plus a wait at `at` and runs until `until`.
  void submit(std::vector<InvDescriptor> descs, Ps at, Ps until) {
    descs.push_back(InvDescriptor::wait(kStatus, ++seq));
    for (const InvDescriptor& x : descs) {
      uint64_t lo, hi;
      x.encode(lo, hi);
      mem.write64(kQueue + tail * 16, lo);
      mem.write64(kQueue + tail * 16 + 8, hi);
      tail = (tail + 1) % 256;
    }
    iommu->mmio_write(vtd::IQT, tail * 16, 8, at);
    d.run_until(until);
  }
  FaultRecord fault_record(unsigned i) {
    const uint64_t a = kFaultLog + 16ull * i;
    return FaultRecord::decode(mem.read64(a), mem.read64(a + 8));
  }
  // The stage-2 leaf of a GPA, as raw bits (0: none).
  uint64_t s2_leaf(uint64_t gpa) {
    const PageTableFormat& f = iommu->format();
    uint64_t table = kS2Root;
    for (unsigned l = f.levels(); l >= 1; --l) {
      const uint64_t raw = mem.read64(table + 8 * f.index(gpa, l));
      const Pte p = f.decode(raw, l);
      if (p.leaf || !p.present) return raw;
      table = p.addr;
    }
    return 0;
  }
  uint64_t stat(const std::string& n) { return stats.count(n); }
};

}  // namespace sim::test
