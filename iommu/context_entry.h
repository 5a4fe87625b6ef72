#pragma once
// Root and context entries (VT-d legacy-mode layout): bus -> context table,
// devfn -> {present, translation type, page-table root, address width, domain}.
// The dirty-tracking enable (ADE) is a bit of ours in the context entry. A context
// with PASIDs enabled (as VT-d's scalable mode) points at a PASID directory instead of
// a page table: PASID bits 19:6 pick a directory entry, which points at a PASID table
// of 64 entries that bits 5:0 pick. Each PASID, and RID_PASID (0) for requests
// without one, has an entry of its own with its domain, page table and ADE.
#include <cstdint>
#include <utility>

namespace sim {

struct RootEntry {
  bool present = false;
  uint64_t context_table = 0;
  std::pair<uint64_t, uint64_t> encode() const {
    return {(context_table & ~0xfffull) | (present ? 1u : 0u), 0};
  }
  static RootEntry decode(uint64_t lo, uint64_t) {
    return {bool(lo & 1), lo & ~0xfffull & ((1ull << 52) - 1)};
  }
};

struct ContextEntry {
  enum Type : uint8_t { kTranslate = 0, kTranslateAts = 1, kPassThrough = 2, kReserved = 3 };
  bool present = false;
  uint8_t tt = kTranslate;
  uint64_t root = 0;   // page-table root (physical)
  uint8_t aw = 2;      // 2: 48-bit / 4 levels, 3: 57-bit / 5 levels
  bool ade = false;    // A/D tracking enable
  uint16_t did = 0;    // domain id
  bool pasid = false;  // `root` is a PASID directory (see PasidDirEntry)
  // With `pasid`: the directory has 2^(pdts + 7) entries (VT-d's PDTS, lo bits 11:9);
  // a PASID whose directory index is beyond it is blocked.
  uint8_t pdts = 0;

  std::pair<uint64_t, uint64_t> encode() const {
    uint64_t lo = (root & ~0xfffull) | (uint64_t(pdts & 7) << 9) | (uint64_t(tt & 3) << 2) |
                  (present ? 1u : 0u);
    uint64_t hi =
        uint64_t(aw & 7) | (pasid ? 1ull << 6 : 0) | (ade ? 1ull << 7 : 0) | (uint64_t(did) << 8);
    return {lo, hi};
  }
  static ContextEntry decode(uint64_t lo, uint64_t hi) {
    ContextEntry c;
    c.present = lo & 1;
    c.tt = uint8_t((lo >> 2) & 3);
    c.root = lo & ~0xfffull & ((1ull << 52) - 1);
    c.aw = uint8_t(hi & 7);
    c.pasid = (hi >> 6) & 1;
    c.ade = (hi >> 7) & 1;
    c.did = uint16_t(hi >> 8);
    c.pdts = uint8_t((lo >> 9) & 7);
    return c;
  }
  unsigned levels() const { return aw == 3 ? 5 : 4; }
  uint64_t pasid_dir_entries() const { return 1ull << (pdts + 7); }
};

// Where the entries live: 16 bytes each, root table by bus, context table by devfn.
inline uint64_t root_entry_addr(uint64_t root_table, uint16_t bdf) {
  return root_table + (bdf >> 8) * 16ull;
}
inline uint64_t context_entry_addr(uint64_t context_table, uint16_t bdf) {
  return context_table + (bdf & 0xff) * 16ull;
}

// The PASID directory: 8-byte entries, bit 0 present, bits 51:12 the PASID table they
// point at (VT-d's scalable-mode PASID directory entry; bit 1, fault processing
// disable, is not modelled). A PASID table is one 4 KiB page of 64 entries of 64 bytes:
// the PasidEntry in the first 16, a nested entry's PasidNesting in the next 16 (VT-d's
// qwords 2-3), the rest unused. PASIDs run to 2^20 - 1 (a directory of 2^14 entries).
struct PasidDirEntry {
  bool present = false;
  uint64_t table = 0;
  uint64_t encode() const { return (table & ~0xfffull) | (present ? 1u : 0u); }
  static PasidDirEntry decode(uint64_t v) {
    return {bool(v & 1), v & ~0xfffull & ((1ull << 52) - 1)};
  }
};
inline constexpr unsigned kPasidBits = 20;
inline constexpr unsigned kPasidTableShift = 6;  // PASID bits per table: 64 entries
inline constexpr uint32_t kPasidTableEntries = 1u << kPasidTableShift;
inline constexpr uint64_t kPasidEntryBytes = 64;
inline uint64_t pasid_dir_entry_addr(uint64_t pasid_dir, uint32_t pasid) {
  return pasid_dir + uint64_t(pasid >> kPasidTableShift) * 8;
}
// The directory size field that covers `entries` directory entries (at least 128).
inline uint8_t pasid_dir_pdts(uint64_t entries) {
  uint8_t p = 0;
  while (p < 7 && (1ull << (p + 7)) < entries) ++p;
  return p;
}

// A PASID's entry: {present, translation type (second stage or pass-through),
// page-table root, address width, ADE, domain}, the first 16 bytes of its 64-byte slot
// in the PASID table its directory entry points at.
//
// Nested (lo bit 3, VT-d's PGTT "nested"): the entry translates through the guest's
// stage-1 table and then this entry's stage 2. Then `root`, `aw` and `ade` are stage
// 2's (the nesting parent's table, levels and dirty tracking, VT-d's SSPTPTR/AW/SSADE),
// `did` is the stage-1 (nested) domain's id, which tags the combined IOTLB entries and
// the stage-1 walk cache with the PASID, and the rest sits in the entry's second
// 16 bytes (PasidNesting below, VT-d's qwords 2-3).
struct PasidEntry {
  bool present = false;
  bool pass_through = false;
  uint64_t root = 0;
  uint8_t aw = 2;
  bool ade = false;
  uint16_t did = 0;
  bool nested = false;  // last: positional initializers of the fields above stay valid

  std::pair<uint64_t, uint64_t> encode() const {
    uint64_t lo = (root & ~0xfffull) | (nested ? 1u << 3 : 0) | (pass_through ? 1u << 2 : 0) |
                  (present ? 1u : 0);
    uint64_t hi = uint64_t(aw & 7) | (ade ? 1ull << 7 : 0) | (uint64_t(did) << 8);
    return {lo, hi};
  }
  static PasidEntry decode(uint64_t lo, uint64_t hi) {
    PasidEntry p;
    p.present = lo & 1;
    p.pass_through = (lo >> 2) & 1;
    p.nested = (lo >> 3) & 1;
    p.root = lo & ~0xfffull & ((1ull << 52) - 1);
    p.aw = uint8_t(hi & 7);
    p.ade = (hi >> 7) & 1;
    p.did = uint16_t(hi >> 8);
    return p;
  }
};
inline constexpr uint32_t kRidPasid = 0;  // the entry of requests without a PASID
// The entry of `pasid` in the PASID table (of its directory entry) at `pasid_table`.
inline uint64_t pasid_entry_addr(uint64_t pasid_table, uint32_t pasid) {
  return pasid_table + (pasid & (kPasidTableEntries - 1)) * kPasidEntryBytes;
}

// The stage-1 formats a nested PASID entry can name (its FSF field).
enum class Stage1Format : uint8_t { kVtdFs = 0, kArmS1 = 1 };

// A nested PASID entry's second half: the guest's stage-1 table and the nesting
// parent's domain id.
//   word 0: bits 51:12 stage-1 root (a guest physical address), bits 2:0 the stage-1
//           format (Stage1Format), bits 5:3 its levels (VT-d first stage 4 or 5, Arm 4),
//           bit 6 stage-1 A/D enable (Arm's HA/HD; VT-d's first stage updates A/D always)
//   word 1: bits 15:0 the stage-2 domain id (the nesting parent's: tags the stage-2 walk
//           cache and every combined entry built on it)
struct PasidNesting {
  uint64_t s1_root = 0;
  Stage1Format s1_format = Stage1Format::kVtdFs;
  uint8_t s1_levels = 4;
  bool s1_ad = false;
  uint16_t s2_did = 0;

  std::pair<uint64_t, uint64_t> encode() const {
    uint64_t lo = (s1_root & ~0xfffull & ((1ull << 52) - 1)) | uint64_t(uint8_t(s1_format) & 7) |
                  uint64_t(s1_levels & 7) << 3 | (s1_ad ? 1ull << 6 : 0);
    return {lo, uint64_t(s2_did)};
  }
  static PasidNesting decode(uint64_t lo, uint64_t hi) {
    PasidNesting n;
    n.s1_root = lo & ~0xfffull & ((1ull << 52) - 1);
    n.s1_format = Stage1Format(lo & 7);
    n.s1_levels = uint8_t((lo >> 3) & 7);
    n.s1_ad = (lo >> 6) & 1;
    n.s2_did = uint16_t(hi);
    return n;
  }
};
inline uint64_t pasid_nesting_addr(uint64_t pasid_table, uint32_t pasid) {
  return pasid_entry_addr(pasid_table, pasid) + 16;
}

// What a request's translation uses: its context (a PASID's entry folded in) and, for
// a nested PASID entry, the stage-1 half (then `root`, `aw`, `ade` are stage 2's and
// `did` the stage-1 domain's).
struct TranslationContext : ContextEntry {
  bool nested = false;
  PasidNesting nest;
};

}  // namespace sim
