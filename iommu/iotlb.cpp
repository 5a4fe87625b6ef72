#include "iommu/iotlb.h"

#include <bit>

namespace sim {

Iotlb::Iotlb(unsigned entries, unsigned ways, bool lru)
    : slots_(entries),
      sets_(entries / ways),
      ways_(ways),
      set_mask_(sets_ > 1 && (sets_ & (sets_ - 1)) == 0 ? sets_ - 1 : 0),
      lru_(lru) {}

unsigned Iotlb::set_of(uint16_t did, uint64_t vpage) const {
  uint64_t h = vpage ^ (uint64_t(did) * 0x9e3779b1u);
  // A mask where the set count is a power of two (the usual case): a division costs
  // tens of cycles on every lookup.
  return unsigned(set_mask_ ? h & set_mask_ : h % sets_);
}

IotlbEntry* Iotlb::search(uint16_t did, uint32_t pasid, uint32_t s2, uint64_t iova, uint64_t key) {
  // Probe each page size held, smallest first (as 4 KiB, 2 MiB, 1 GiB did before other
  // formats brought 64 KiB and the like).
  for (uint64_t sizes = sizes_; sizes; sizes &= sizes - 1) {
    const uint8_t shift = uint8_t(std::countr_zero(sizes));
    uint64_t vpage = iova >> shift;
    IotlbEntry* set = &slots_[size_t(set_of(did, vpage)) * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      IotlbEntry& e = set[w];
      if (e.valid && e.size_shift == shift && e.did == did && (e.vbase >> shift) == vpage &&
          (s2 == kNoS2 ? e.stage != kStageNested && (e.stage == 2 || e.pasid == pasid)
                       : e.stage == kStageNested && e.pasid == pasid && e.s2_did == s2)) {
        if (lru_) e.stamp = ++clock_;
        memos_[next_memo_++ % kMemos] = {key, &e, did, pasid, s2};
        return &e;
      }
    }
  }
  return nullptr;
}

IotlbEntry* Iotlb::fill(const IotlbEntry& in) {
  const uint64_t sizes = sizes_;
  sizes_ |= 1ull << in.size_shift;
  if (sizes_ != sizes) forget_memos();  // the memos' keys change with the smallest size
  IotlbEntry* set = &slots_[size_t(set_of(in.did, in.vbase >> in.size_shift)) * ways_];
  IotlbEntry* victim = &set[0];
  for (unsigned w = 0; w < ways_; ++w) {
    IotlbEntry& e = set[w];
    if (e.valid && e.did == in.did && e.stage == in.stage &&
        (in.stage == 2 || e.pasid == in.pasid) && e.s2_did == in.s2_did &&
        e.size_shift == in.size_shift && e.vbase == in.vbase) {
      victim = &e;  // refill in place
      break;
    }
    if (!e.valid) {
      if (victim->valid) victim = &e;
      continue;
    }
    if (victim->valid && e.stamp < victim->stamp) victim = &e;
  }
  forget_memos_of(in, victim);
  *victim = in;
  victim->valid = true;
  victim->stamp = ++clock_;
  return victim;
}

void Iotlb::forget_memos_of(const IotlbEntry& in, const IotlbEntry* victim) {
  // A memo stays true unless its entry is replaced or the new entry covers its page in
  // its domain (then the search might find the new one first).
  const unsigned below = in.size_shift - unsigned(std::countr_zero(sizes_));
  for (Memo& m : memos_)
    if (m.e == victim || (m.did == in.did && m.key >> below == in.vbase >> in.size_shift))
      m = Memo{};
}

unsigned Iotlb::invalidate_range(uint16_t did, uint64_t addr, uint64_t length, Ps now) {
  forget_memos();
  unsigned killed = 0;
  const uint64_t end = addr + length;
  for (IotlbEntry& e : slots_) {
    if (!e.valid || e.did != did || spared(e, now)) continue;
    uint64_t e_end = e.vbase + (1ull << e.size_shift);
    if (e.vbase < end && addr < e_end) {  // overlaps, large pages partially included
      e.valid = false;
      ++killed;
    }
  }
  return killed;
}

unsigned Iotlb::invalidate_domain(uint16_t did, Ps now) {
  forget_memos();
  unsigned killed = 0;
  for (IotlbEntry& e : slots_)
    if (e.valid && e.did == did && !spared(e, now)) {
      e.valid = false;
      ++killed;
    }
  return killed;
}

unsigned Iotlb::invalidate_all(Ps now) {
  forget_memos();
  unsigned killed = 0;
  for (IotlbEntry& e : slots_)
    if (e.valid && !spared(e, now)) {
      e.valid = false;
      ++killed;
    }
  return killed;
}

unsigned Iotlb::invalidate_stage1(uint16_t did, uint32_t pasid, bool all_pasids, uint64_t addr,
                                  uint64_t length, Ps now) {
  forget_memos();
  unsigned killed = 0;
  const uint64_t last = addr + (length - 1);
  for (IotlbEntry& e : slots_) {
    if (!e.valid || e.stage != kStageNested || e.did != did || spared(e, now)) continue;
    if (!all_pasids && e.pasid != pasid) continue;
    const uint64_t e_last = e.vbase + ((1ull << e.size_shift) - 1);
    if (e.vbase <= last && addr <= e_last) {
      e.valid = false;
      ++killed;
    }
  }
  return killed;
}

unsigned Iotlb::invalidate_built_on(uint16_t s2_did, Ps now, bool count_only) {
  if (!count_only) forget_memos();
  unsigned n = 0;
  for (IotlbEntry& e : slots_)
    if (e.valid && e.stage == kStageNested && e.s2_did == s2_did && !spared(e, now)) {
      if (!count_only) e.valid = false;
      ++n;
    }
  return n;
}

unsigned Iotlb::occupancy() const {
  unsigned n = 0;
  for (const IotlbEntry& e : slots_) n += e.valid;
  return n;
}

}  // namespace sim
