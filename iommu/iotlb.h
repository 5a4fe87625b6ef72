#pragma once
// The IOTLB: a set-associative cache of translations, tagged by (domain, PASID, stage,
// IOVA page, page size). A second-stage entry serves every PASID of its domain (VT-d
// tags those by domain only); a first-stage one only its own PASID. Each entry keeps its
// permissions, whether the hardware already knows the page is dirty (so a write through it touches
// no page table), and the time it becomes ready (a lookup before it joins the walk in flight).
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "models/base/units.h"

namespace sim {

// A combined entry (stage-1 + stage-2 under nesting): tagged by its stage-1 domain,
// PASID and stage-2 domain; `pte_addr` is the data page's stage-2 leaf.
inline constexpr uint8_t kStageNested = 3;

struct IotlbEntry {
  bool valid = false;
  uint16_t did = 0;
  uint32_t pasid = 0;
  uint8_t stage = 2;        // 2: second stage (a legacy context's); kStageNested: combined
  uint16_t s2_did = 0;      // kStageNested: the stage-2 domain it was built on
  uint8_t size_shift = 12;  // the leaf's page size: 12, 21, 30, or any (AMD v1)
  uint64_t vbase = 0;       // IOVA of the page
  uint64_t pbase = 0;       // physical base
  uint64_t pte_addr = 0;    // where the leaf lives (for the D update)
  bool r = false, w = false;
  bool dirty_known = false;
  Ps ready = 0;
  uint64_t stamp = 0;  // LRU: last use; FIFO: fill
};

class Iotlb {
 public:
  Iotlb(unsigned entries, unsigned ways, bool lru);

  // The entry covering iova for (did, pasid) at any page size, or nullptr.
  IotlbEntry* lookup(uint16_t did, uint32_t pasid, uint64_t iova) {
    return find(did, pasid, kNoS2, iova);
  }
  // The combined entry of (stage-1 did, pasid, stage-2 did) covering iova, or nullptr.
  IotlbEntry* lookup_nested(uint16_t did, uint32_t pasid, uint16_t s2_did, uint64_t iova) {
    return find(did, pasid, s2_did, iova);
  }
  // Fills an entry (evicting by LRU/FIFO within its set); returns it.
  IotlbEntry* fill(const IotlbEntry& e);
  // Invalidations at `now` return how many entries they killed.
  unsigned invalidate_range(uint16_t did, uint64_t addr, uint64_t length, Ps now = 0);
  unsigned invalidate_domain(uint16_t did, Ps now = 0);
  unsigned invalidate_all(Ps now = 0);
  // Stage-1 invalidation: combined entries of (did, pasid) overlapping [addr, +length)
  // (`all_pasids`: of every PASID of did).
  unsigned invalidate_stage1(uint16_t did, uint32_t pasid, bool all_pasids, uint64_t addr,
                             uint64_t length, Ps now = 0);
  // Stage-2 invalidation's share: every combined entry built on stage-2 domain s2_did
  // (`count_only`: count them, kill none: the negative control's spared entries).
  unsigned invalidate_built_on(uint16_t s2_did, Ps now = 0, bool count_only = false);
  // Negative control: an entry whose walk is still in flight survives invalidations,
  // as if filled after them (the hardware bug a stale fill would be).
  void set_keep_in_flight(bool k) { keep_in_flight_ = k; }
  unsigned occupancy() const;
  // Forgets the memos of recent hits, so the next lookup searches (what tests hold the
  // memos' answers against).
  void forget_memos() { memos_.fill(Memo{}); }
  unsigned entries() const { return unsigned(slots_.size()); }

 private:
  static constexpr uint32_t kNoS2 = ~0u;  // a legacy lookup: no combined entry matches
  // Inline: most lookups are a memo's, and the set search's call frame cost them more
  // than the compares.
  IotlbEntry* find(uint16_t did, uint32_t pasid, uint32_t s2, uint64_t iova) {
    const uint64_t key = sizes_ ? iova >> std::countr_zero(sizes_) : 0;
    for (Memo& m : memos_)
      if (m.key == key && m.did == did && m.pasid == pasid && m.s2 == s2) {
        if (lru_) m.e->stamp = ++clock_;
        return m.e;
      }
    return search(did, pasid, s2, iova, key);
  }
  IotlbEntry* search(uint16_t did, uint32_t pasid, uint32_t s2, uint64_t iova, uint64_t key);
  bool spared(const IotlbEntry& e, Ps now) const { return keep_in_flight_ && e.ready > now; }
  unsigned set_of(uint16_t did, uint64_t vpage) const;

  bool keep_in_flight_ = false;

  std::vector<IotlbEntry> slots_;  // sets_ * ways_
  unsigned sets_, ways_;
  uint64_t set_mask_;  // sets_ - 1 when sets_ is a power of two above 1, else 0
  bool lru_;
  uint64_t clock_ = 0;
  uint64_t sizes_ = 0;  // bit n: an entry of 2^n bytes was ever filled
  // Recent hits: the search's answer depends only on (did, pasid, iova >> smallest size
  // held) while the entries stay as they are, so a run of TLPs to one page skips the
  // search. A few, replaced in turn, so that devices whose streams interleave (a NIC's
  // buffers, a disk's file) each keep theirs. Invalidations forget them all; a fill
  // forgets those it could change (forget_memos_of).
  // A forgotten memo's key is no page's (keys are IOVAs shifted by at least 12).
  struct Memo {
    uint64_t key = ~0ull;
    IotlbEntry* e = nullptr;
    uint16_t did = 0;
    uint32_t pasid = 0, s2 = 0;
  };
  static constexpr unsigned kMemos = 4;
  std::array<Memo, kMemos> memos_{};
  unsigned next_memo_ = 0;
  void forget_memos_of(const IotlbEntry& in, const IotlbEntry* victim);
};

}  // namespace sim
