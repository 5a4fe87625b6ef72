// The PASID directory (VT-d scalable mode): PASID bits 19:6 pick an 8-byte directory
// entry, which points at a PASID table of 64 entries that bits 5:0 pick; a fetch reads
// both, timed; a missing directory entry, or an index beyond the directory's size,
// blocks the request.
#include <doctest/doctest.h>

#include "tests/iommu/iommu_fixture.h"

namespace sim::test {
namespace {

constexpr uint64_t kDir = 0x190000;  // 2^14 entries: 128 KiB, below the rig's page table
constexpr uint32_t kMaxPasid = (1u << 20) - 1;

// nic's context in PASID mode over a directory of 2^(pdts + 7) entries.
void pasid_mode(IommuRig& rig, uint8_t pdts = 7) {
  ContextEntry c{true, ContextEntry::kTranslate, kDir, 2, false, 0, true};
  c.pdts = pdts;
  auto [cl, ch] = c.encode();
  rig.mem.write64(context_entry_addr(0x180000, IommuRig::kBdf), cl);
  rig.mem.write64(context_entry_addr(0x180000, IommuRig::kBdf) + 8, ch);
}

// `pasid`'s entry -> the rig's page table, in domain `did`; returns the entry's address.
uint64_t put(IommuRig& rig, uint32_t pasid, uint16_t did = IommuRig::kDid) {
  const uint64_t a = pasid_entry_addr(pasid_table_for(rig.mem, kDir, pasid), pasid);
  auto [lo, hi] = PasidEntry{true, false, IommuRig::kPtRoot, 2, false, did}.encode();
  rig.mem.write64(a, lo);
  rig.mem.write64(a + 8, hi);
  return a;
}

Translation write(IommuRig& rig, uint32_t pasid, uint64_t iova, Ps at) {
  return rig.iommu->translate(IommuRig::kBdf, pasid, iova, 64, true, at);
}

}  // namespace

TEST_CASE("pasid directory: entries and addresses by PASID bits 19:6 and 5:0") {
  PasidDirEntry e{true, 0x123456000};
  CHECK(PasidDirEntry::decode(e.encode()).present);
  CHECK(PasidDirEntry::decode(e.encode()).table == 0x123456000);
  CHECK_FALSE(PasidDirEntry::decode(0x123456000).present);
  CHECK(pasid_dir_entry_addr(kDir, 0) == kDir);
  CHECK(pasid_dir_entry_addr(kDir, 63) == kDir);
  CHECK(pasid_dir_entry_addr(kDir, 64) == kDir + 8);
  CHECK(pasid_dir_entry_addr(kDir, 1024) == kDir + 16 * 8);
  CHECK(pasid_dir_entry_addr(kDir, 2048) == kDir + 32 * 8);
  CHECK(pasid_dir_entry_addr(kDir, kMaxPasid) == kDir + 16383 * 8);
  CHECK(pasid_entry_addr(0x5000, 63) == 0x5000 + 63 * 64);
  CHECK(pasid_entry_addr(0x5000, 64) == 0x5000);
  CHECK(pasid_entry_addr(0x5000, kMaxPasid) == 0x5000 + 63 * 64);
  // The context's directory size: 2^(pdts + 7) entries, in lo bits 11:9.
  ContextEntry c{true, ContextEntry::kTranslate, kDir, 2, false, 0, true};
  c.pdts = 7;
  auto [lo, hi] = c.encode();
  CHECK(((lo >> 9) & 7) == 7);
  CHECK(ContextEntry::decode(lo, hi).root == kDir);
  CHECK(ContextEntry::decode(lo, hi).pasid_dir_entries() == 16384);
  CHECK(pasid_dir_pdts(512) == 2);
  CHECK(pasid_dir_pdts(16384) == 7);
  CHECK(pasid_dir_pdts(1) == 0);
}

TEST_CASE("pasid directory: PASIDs 0, 63, 64, 1024, 2048 and 2^20-1 each translate") {
  IommuRig rig;
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  const uint32_t pasids[] = {0, 63, 64, 1024, 2048, kMaxPasid};
  for (uint32_t p : pasids) put(rig, p);
  Ps at = kUs;
  for (uint32_t p : pasids) {
    CAPTURE(p);
    Translation t = write(rig, p, 0x1010, at += kUs);
    REQUIRE(t.ok);
    CHECK(t.pa == 0x800010);
  }
  // Neighbours in the same tables have no entry: 1, 62, 65, 1025, 2047, 2^20-2.
  for (uint32_t p : {1u, 62u, 65u, 1025u, 2047u, kMaxPasid - 1}) {
    CAPTURE(p);
    CHECK_FALSE(write(rig, p, 0x1010, at += kUs).ok);
  }
  CHECK(rig.stat("iommu.faults") == 6);
  CHECK(rig.stat("iommu.faults.context_not_present") == 6);
}

TEST_CASE("pasid directory: a missing directory entry faults as a missing context, logged") {
  IommuRig rig;
  const uint64_t log = 0x500000;
  rig.iommu->mmio_write(vtd::AFLOG, log, 8, 0);
  rig.iommu->mmio_write(vtd::GCMD, vtd::TE | vtd::SRTP | vtd::QIE | vtd::SFL, 4, 0);
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  put(rig, 0);
  CHECK(write(rig, 0, 0x1000, kUs).ok);
  // PASID 2048's directory entry (index 32) is not present, though its slot in the
  // table of index 0 (PASID 0's) is: nothing reads that table for it.
  const uint64_t alias = pasid_entry_addr(pasid_table_for(rig.mem, kDir, 0), 2048);
  CHECK(alias == pasid_entry_addr(pasid_table_for(rig.mem, kDir, 0), 0));
  Translation t = write(rig, 2048, 0x1000, 2 * kUs);
  CHECK_FALSE(t.ok);
  CHECK(t.fault == FaultReason::ContextNotPresent);
  const FaultRecord r = FaultRecord::decode(rig.mem.read64(log), rig.mem.read64(log + 8));
  CHECK(r.addr == 0x1000);
  CHECK(r.sid == IommuRig::kBdf);
  CHECK(r.reason == uint8_t(FaultReason::ContextNotPresent));
  // Present with a table whose entry is not: blocked too; with the entry: translates.
  pasid_table_for(rig.mem, kDir, 2048);
  CHECK_FALSE(write(rig, 2048, 0x1000, 3 * kUs).ok);
  put(rig, 2048);
  CHECK(write(rig, 2048, 0x1000, 4 * kUs).ok);
}

TEST_CASE("pasid directory: an index beyond the directory's size blocks without a read") {
  IommuRig rig;
  pasid_mode(rig, 0);  // 128 entries: PASIDs below 8192
  rig.map(0x1000, 0x800000);
  put(rig, 8191);
  put(rig, 8192);  // written, but beyond what the context says the directory holds
  CHECK(write(rig, 8191, 0x1000, kUs).ok);
  CHECK_FALSE(write(rig, 8192, 0x1000, 2 * kUs).ok);
  CHECK_FALSE(write(rig, kMaxPasid + 1, 0x1000, 3 * kUs).ok);  // not a 20-bit PASID
}

TEST_CASE("pasid directory: a PASID-entry fetch is two timed reads, directory then entry") {
  IommuRig rig;
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  put(rig, 0);
  put(rig, 1024);
  CHECK(write(rig, 0, 0x1000, kUs).ok);  // the context, and the IOTLB entry both share
  // PASID 1024: its entry is fetched (the context is cached), then an IOTLB hit.
  const Ps at = 10 * kUs;
  Translation t = write(rig, 1024, 0x1000, at);
  REQUIRE(t.ok);
  const Ps two_reads = 2 * rig.timing.latency();
  CHECK(t.ready - at >= two_reads + rig.cfg.hit_latency);
  CHECK(t.ready - at < two_reads + rig.cfg.hit_latency + kNs);  // not a third read
  CHECK(rig.stat("iommu.iotlb.hits") == 1);
}

TEST_CASE("pasid directory: PASID-cache invalidations drop large PASIDs' entries") {
  IommuRig rig;
  pasid_mode(rig);
  rig.map(0x1000, 0x800000);
  const uint64_t a = put(rig, kMaxPasid);
  put(rig, 2048);
  CHECK(write(rig, kMaxPasid, 0x1000, kUs).ok);
  CHECK(write(rig, 2048, 0x1000, 2 * kUs).ok);
  rig.mem.write64(a, 0);  // cleared in memory: the cache still serves
  CHECK(write(rig, kMaxPasid, 0x1000, 3 * kUs).ok);
  rig.submit({InvDescriptor::pasid_cache(IommuRig::kDid, kMaxPasid - 64)}, 4 * kUs);
  rig.d.run_until(10 * kUs);
  CHECK(write(rig, kMaxPasid, 0x1000, 11 * kUs).ok);  // another PASID's invalidation
  rig.submit({InvDescriptor::pasid_cache(IommuRig::kDid, kMaxPasid)}, 12 * kUs);
  rig.d.run_until(20 * kUs);
  CHECK_FALSE(write(rig, kMaxPasid, 0x1000, 21 * kUs).ok);
  CHECK(write(rig, 2048, 0x1000, 22 * kUs).ok);  // untouched
  // A domain-wide one drops 2048's too, and its directory entry is read again.
  rig.mem.write64(pasid_dir_entry_addr(kDir, 2048), 0);
  InvDescriptor domain = InvDescriptor::pasid_cache(IommuRig::kDid, 0);
  domain.granularity = InvDescriptor::kDomain;
  rig.submit({domain}, 23 * kUs);
  rig.d.run_until(30 * kUs);
  CHECK_FALSE(write(rig, 2048, 0x1000, 31 * kUs).ok);
}

}  // namespace sim::test
