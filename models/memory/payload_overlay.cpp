#include "models/memory/payload_overlay.h"

#include <algorithm>
#include <stdexcept>

namespace sim {

PayloadOverlay::Record& PayloadOverlay::record_of(uint64_t frame) {
  if (!memo_to_front(frame)) {
    uint32_t& index = index_.get(frame);
    if (index == 0) {  // new: indices are stored plus one, 0 is "none"
      records_.emplace_back();
      index = uint32_t(records_.size());
    }
    memo_[1] = memo_[0];
    memo_[0] = Memo{frame, index - 1};
  }
  return records_[memo_[0].index];
}

uint8_t PayloadOverlay::gen_index(PayloadGenerator g) {
  for (size_t i = 0; i < gens_.size(); ++i)
    if (gens_[i] == g) return uint8_t(i);
  if (gens_.size() > UINT8_MAX) throw std::length_error("payload overlay: over 256 generators");
  gens_.push_back(g);
  return uint8_t(gens_.size() - 1);
}

bool PayloadOverlay::record(uint64_t frame, uint32_t off, uint32_t len, PayloadGenerator g,
                            uint64_t key, uint64_t addr) {
  Record& r = record_of(frame);
  if (r.stored) return false;
  Extent x{key, addr - off, uint16_t(off), uint16_t(len), gen_index(g)};
  unsigned n = r.n;
  // The same stream touching the latest extent: one extent (only the latest, as an
  // older one merged past a newer would be overwritten in the wrong order).
  if (n) {
    const Extent& last = r.e[n - 1];
    if (last.g == x.g && last.key == key && last.base == x.base && off <= last.off + last.len &&
        last.off <= off + len) {
      const uint32_t lo = std::min<uint32_t>(off, last.off);
      const uint32_t hi = std::max<uint32_t>(off + len, last.off + last.len);
      x.off = uint16_t(lo);
      x.len = uint16_t(hi - lo);
      --n;
    }
  }
  if (n == kExtents) n = compact(r, x);
  if (n == kExtents) {
    ++spills_;
    return false;
  }
  r.e[n] = x;
  r.n = uint8_t(n + 1);
  return true;
}

// An extent covered by a later one, or by `next`, is hidden for good. Only a full
// record is compacted: `extend` lengthens the latest extent without looking back.
unsigned PayloadOverlay::compact(Record& r, const Extent& next) {
  auto covers = [](const Extent& a, const Extent& b) {
    return a.off <= b.off && b.off + b.len <= a.off + a.len;
  };
  unsigned kept = 0;
  for (unsigned i = 0; i < r.n; ++i) {
    bool hidden = covers(next, r.e[i]);
    for (unsigned j = i + 1; j < r.n && !hidden; ++j) hidden = covers(r.e[j], r.e[i]);
    if (!hidden) r.e[kept++] = r.e[i];
  }
  r.n = uint8_t(kept);
  return kept;
}

void PayloadOverlay::apply(uint64_t frame, uint8_t* bytes) {
  const uint32_t index = index_of(frame);
  if (!index) return;
  Record& r = records_[index - 1];
  if (r.stored) return;
  for (unsigned i = 0; i < r.n; ++i) {
    const Extent& e = r.e[i];
    gens_[e.g](e.key, e.base + e.off, bytes + e.off, e.len);
  }
  r = Record{};
  r.stored = true;
  ++stored_;
}

uint32_t PayloadOverlay::index_of(uint64_t frame) const {
  for (const Memo& m : memo_)
    if (m.frame == frame) return m.index + 1;
  const uint32_t* index = index_.find(frame);
  return index ? *index : 0;
}

void PayloadOverlay::overlay(uint64_t frame, uint32_t off, uint32_t len, uint8_t* out) const {
  const uint32_t index = index_of(frame);
  if (!index) return;
  const Record& r = records_[index - 1];
  for (unsigned i = 0; i < r.n; ++i) {
    const Extent& e = r.e[i];
    const uint32_t lo = std::max<uint32_t>(off, e.off),
                   hi = std::min<uint32_t>(off + len, e.off + e.len);
    if (lo < hi) gens_[e.g](e.key, e.base + lo, out + (lo - off), hi - lo);
  }
}

}  // namespace sim
