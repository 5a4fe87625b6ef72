#pragma once
// Invalidation descriptors (VT-d encodings, 16 bytes): what software writes into
// the queue ring in memory and the hardware reads back.
#include <cstdint>

namespace sim {

// What page invalidations a unit takes (its capability, which the driver reads):
// aligned blocks of 2^k pages (VT-d), also exact page ranges (as SMMUv3), or one page
// per descriptor.
enum class InvEncoding : uint8_t { Pow2Aligned, ArbitraryRange, PageOnly };

struct InvDescriptor {
  enum Type : uint8_t {
    kContext = 0x1,
    kIotlb = 0x2,
    kDeviceTlb = 0x3,
    kWait = 0x5,
    kPasidIotlb = 0x6,  // stage-1 (nested) entries of (did, pasid): see piotlb_* below
    kPasidCache = 0x7,  // kDomain: the domain's PASID entries; kPage: one (did, pasid)
  };
  // kPage: device for context; kRange: `pages` pages from addr (not VT-d: SMMUv3-style
  // range invalidation, for hardware whose encoding is arbitrary_range)
  enum Granularity : uint8_t { kRange = 0, kGlobal = 1, kDomain = 2, kPage = 3 };

  uint8_t type = 0;
  uint8_t granularity = 0;
  uint16_t did = 0;
  uint16_t sid = 0;     // source id (requester) for context/device-TLB descriptors
  uint64_t addr = 0;    // page-selective: first page (4 KiB aligned); wait: status address
  uint8_t am = 0;       // address mask: 2^am pages
  bool ih = false;      // leaf-only hint
  uint32_t status = 0;  // wait: status data
  bool sw = false;      // wait: write the status
  uint32_t pages = 0;   // kRange: how many 4 KiB pages
  uint32_t pasid = 0;   // kPasidCache with kPage; kPasidIotlb

  static InvDescriptor iotlb_page(uint16_t did, uint64_t addr, uint8_t am, bool ih) {
    InvDescriptor d{kIotlb, kPage, did, 0, addr & ~0xfffull, am, ih, 0, false, 0};
    return d;
  }
  static InvDescriptor iotlb_range(uint16_t did, uint64_t addr, uint32_t pages) {
    return {kIotlb, kRange, did, 0, addr & ~0xfffull, 0, false, 0, false, pages};
  }
  static InvDescriptor iotlb_domain(uint16_t did) {
    return {kIotlb, kDomain, did, 0, 0, 0, false, 0, false, 0};
  }
  static InvDescriptor iotlb_global() { return {kIotlb, kGlobal, 0, 0, 0, 0, false, 0, false, 0}; }
  static InvDescriptor context_device(uint16_t did, uint16_t sid) {
    return {kContext, kPage, did, sid, 0, 0, false, 0, false, 0};
  }
  static InvDescriptor context_domain(uint16_t did) {
    return {kContext, kDomain, did, 0, 0, 0, false, 0, false, 0};
  }
  static InvDescriptor pasid_cache(uint16_t did, uint32_t pasid) {
    return {kPasidCache, kPage, did, 0, 0, 0, false, 0, false, 0, pasid & 0xfffff};
  }
  // Stage-1 invalidations (VT-d's PASID-based IOTLB invalidation), what a guest's
  // vIOMMU asks of its stage-1 domain through the host: they kill the combined
  // (stage-1 + stage-2) IOTLB entries and stage-1 walk-cache entries of stage-1 domain
  // `did` and `pasid`. Page-selective: 2^am pages from addr (IOVAs), `ih` the leaf-only
  // hint; PASID-selective (kDomain): every address of the PASID; kGlobal: every PASID of
  // the domain. Stage-2 invalidations are the IOTLB ones above with the nesting
  // parent's domain id (GPA ranges).
  static InvDescriptor piotlb_page(uint16_t did, uint32_t pasid, uint64_t addr, uint8_t am,
                                   bool ih) {
    return {kPasidIotlb, kPage, did, 0, addr & ~0xfffull, am, ih, 0, false, 0, pasid & 0xfffff};
  }
  static InvDescriptor piotlb_pasid(uint16_t did, uint32_t pasid) {
    return {kPasidIotlb, kDomain, did, 0, 0, 0, false, 0, false, 0, pasid & 0xfffff};
  }
  static InvDescriptor piotlb_domain(uint16_t did) {
    return {kPasidIotlb, kGlobal, did, 0, 0, 0, false, 0, false, 0, 0};
  }
  static InvDescriptor context_global() {
    return {kContext, kGlobal, 0, 0, 0, 0, false, 0, false, 0};
  }
  // A device-TLB (ATC) invalidation for requester `sid`: 2^am pages from addr (aligned
  // down); am >= 52 means everything.
  static InvDescriptor device_tlb(uint16_t sid, uint64_t addr, uint8_t am) {
    if (am > 52) am = 52;
    const uint64_t span = am >= 52 ? ~0ull : (4096ull << am) - 1;
    return {kDeviceTlb, kPage, 0, sid, addr & ~span, am, false, 0, false, 0};
  }
  // The bytes a page-selective, range or device-TLB descriptor covers (everything for
  // am 52).
  uint64_t span_bytes() const {
    if (type == kIotlb && granularity == kRange) return uint64_t(pages) << 12;
    return am >= 52 ? ~0ull : 4096ull << am;
  }
  static InvDescriptor wait(uint64_t status_addr, uint32_t data) {
    return {kWait, 0, 0, 0, status_addr & ~3ull, 0, false, data, true, 0};
  }

  void encode(uint64_t& lo, uint64_t& hi) const {
    lo = type & 0xf;
    hi = 0;
    switch (type) {
      case kContext:
        lo |= uint64_t(granularity & 3) << 4 | uint64_t(did) << 16 | uint64_t(sid) << 32;
        break;
      case kIotlb:
        lo |= uint64_t(granularity & 3) << 4 | uint64_t(did) << 16 |
              (granularity == kRange ? uint64_t(pages) << 32 : 0);
        hi = (addr & ~0xfffull) | (ih ? 1u << 6 : 0) | (am & 0x3f);
        break;
      case kDeviceTlb:
        // VT-d: S (bit 11) set means the size is in the address, as the count of
        // trailing one bits of addr[63:12] plus one.
        lo |= uint64_t(sid) << 16;
        hi = am == 0    ? (addr & ~0xfffull)
             : am >= 52 ? 0x7ffffffffffff000ull | 1u << 11
                        : (addr & ~0xfffull) | ((1ull << (am - 1)) - 1) << 12 | 1u << 11;
        break;
      case kWait:
        lo |= (sw ? 1u << 5 : 0) | uint64_t(status) << 32;
        hi = addr & ~3ull;
        break;
      case kPasidCache:
        lo |=
            uint64_t(granularity & 3) << 4 | uint64_t(did) << 16 | uint64_t(pasid & 0xfffff) << 32;
        break;
      case kPasidIotlb:
        lo |=
            uint64_t(granularity & 3) << 4 | uint64_t(did) << 16 | uint64_t(pasid & 0xfffff) << 32;
        hi = (addr & ~0xfffull) | (ih ? 1u << 6 : 0) | (am & 0x3f);
        break;
    }
  }
  static InvDescriptor decode(uint64_t lo, uint64_t hi) {
    InvDescriptor d;
    d.type = uint8_t(lo & 0xf);
    switch (d.type) {
      case kContext:
        d.granularity = uint8_t((lo >> 4) & 3);
        d.did = uint16_t(lo >> 16);
        d.sid = uint16_t(lo >> 32);
        break;
      case kIotlb:
        d.granularity = uint8_t((lo >> 4) & 3);
        d.did = uint16_t(lo >> 16);
        if (d.granularity == kRange) d.pages = uint32_t(lo >> 32);
        d.addr = hi & ~0xfffull;
        d.ih = (hi >> 6) & 1;
        d.am = uint8_t(hi & 0x3f);
        break;
      case kDeviceTlb:
        d.granularity = kPage;
        d.sid = uint16_t(lo >> 16);
        d.addr = hi & ~0xfffull;
        if (hi >> 11 & 1) {
          const unsigned ones = unsigned(__builtin_ctzll(~(d.addr >> 12)));
          d.am = uint8_t(ones + 1 >= 51 ? 52 : ones + 1);
          d.addr = d.am >= 52 ? 0 : d.addr & ~((4096ull << d.am) - 1);
        }
        break;
      case kWait:
        d.sw = (lo >> 5) & 1;
        d.status = uint32_t(lo >> 32);
        d.addr = hi & ~3ull;
        break;
      case kPasidCache:
        d.granularity = uint8_t((lo >> 4) & 3);
        d.did = uint16_t(lo >> 16);
        d.pasid = uint32_t(lo >> 32) & 0xfffff;
        break;
      case kPasidIotlb:
        d.granularity = uint8_t((lo >> 4) & 3);
        d.did = uint16_t(lo >> 16);
        d.pasid = uint32_t(lo >> 32) & 0xfffff;
        d.addr = hi & ~0xfffull;
        d.ih = (hi >> 6) & 1;
        d.am = uint8_t(hi & 0x3f);
        break;
    }
    return d;
  }
};

}  // namespace sim
