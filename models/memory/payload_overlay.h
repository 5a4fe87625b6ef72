#pragma once
// DMA payloads written late. A generated write's bytes are a pure function of (key,
// address), so memory records which stream covers which bytes of a 4 KiB frame and
// writes them only when something needs the stored bytes: a read overlays them, a
// plain write or a pointer handed out writes them first. Most DMA data is never read
// back, so its bytes never cost a cache miss, a page fault or a resident page.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "models/base/frame_map.h"

namespace sim {

// Writes bytes [addr, addr + len) of `key`'s stream at dst.
using PayloadGenerator = void (*)(uint64_t key, uint64_t addr, uint8_t* dst, uint32_t len);

class PayloadOverlay {
 public:
  static constexpr unsigned kFrameBits = 12;
  static constexpr uint32_t kFrameSize = 1u << kFrameBits;

  // Records frame bytes [off, off + len) as g's stream `key` from `addr` on. False when
  // the frame is stored: its record was full (or it was stored for a reader), so the
  // caller stores its record (`apply`), then the new bytes itself, as it will for
  // every later write to the frame (small writes of many streams, such as a
  // descriptor ring's, cost one store each, not a record's churn).
  bool record(uint64_t frame, uint32_t off, uint32_t len, PayloadGenerator g, uint64_t key,
              uint64_t addr);
  // `record` for the common case, inline: the next TLP of the stream the frame got
  // last, the frame one of the latest two (two devices' streams interleave TLP by
  // TLP). False (nothing recorded) in any other.
  bool extend(uint64_t frame, uint32_t off, uint32_t len, PayloadGenerator g, uint64_t key,
              uint64_t addr) {
    if (!memo_to_front(frame)) return false;
    Record& r = records_[memo_[0].index];
    if (!r.n) return false;
    Extent& last = r.e[r.n - 1];
    if (off != last.off + last.len || last.key != key || last.base != addr - off ||
        gens_[last.g] != g)
      return false;
    last.len = uint16_t(last.len + len);
    return true;
  }
  // A write to the frame is coming: its index entry starts loading unless a memo has it
  // (a new frame's entry is a cache miss: frames are scattered over the guest).
  void prefetch(uint64_t frame) const {
    if (memo_[0].frame != frame && memo_[1].frame != frame) index_.prefetch(frame);
  }
  // Whether the frame is the latest one written and is stored (inline: a stored frame
  // takes its writes at once).
  bool latest_stored(uint64_t frame) const {
    return memo_[0].frame == frame && records_[memo_[0].index].stored;
  }
  // Writes the frame's recorded bytes, oldest first, into `bytes` (its first byte);
  // the frame is stored from then on.
  void apply(uint64_t frame, uint8_t* bytes);
  // Overwrites out[0, len), the frame's bytes [off, off + len), where the record covers them.
  void overlay(uint64_t frame, uint32_t off, uint32_t len, uint8_t* out) const;
  size_t frames() const { return records_.size() - stored_; }  // holding recorded bytes
  uint64_t spills() const { return spills_; }                  // records found full
  uint64_t bytes() const { return index_.bytes() + records_.capacity() * sizeof(Record); }

 private:
  struct Extent {
    uint64_t key;
    uint64_t base;  // the stream address of the frame's byte 0
    uint16_t off, len;
    uint8_t g;  // in gens_
  };
  // Enough for two packet buffers in a frame and the one that replaces a part of them;
  // a frame whose writes overlap more finely is written out.
  static constexpr unsigned kExtents = 3;
  struct Record {
    uint8_t n = 0;
    bool stored = false;  // written out: generated writes are stored at once
    Extent e[kExtents];
  };
  static unsigned compact(Record& r, const Extent& next);
  // Puts the frame's memo first; false when neither memo has the frame.
  bool memo_to_front(uint64_t frame) {
    if (memo_[0].frame == frame) return true;
    if (memo_[1].frame != frame) return false;
    std::swap(memo_[0], memo_[1]);
    return true;
  }
  Record& record_of(uint64_t frame);
  uint32_t index_of(uint64_t frame) const;  // plus one; 0 when the frame has no record
  uint8_t gen_index(PayloadGenerator g);

  std::vector<PayloadGenerator> gens_;  // the generators seen (one, in practice)
  // Frame -> its record's index plus one (0: none). A hash table, not a flat array:
  // guest pages are scattered over physical memory, so a flat index of a 1 TiB guest
  // would be resident almost whole (4 bytes per frame) for a few hundred thousand
  // written frames; 16-byte slots make the table a sixth of what records in place
  // would, and records sit in the order their frames were first written (a ring's
  // buffers together).
  FrameMap<uint32_t> index_;
  std::vector<Record, HugePageAllocator<Record>> records_;
  // The latest frames' records: a request's TLPs fill a frame one after another, and
  // two devices interleave.
  struct Memo {
    uint64_t frame = ~0ull;
    uint32_t index = 0;
  };
  Memo memo_[2];
  uint64_t stored_ = 0, spills_ = 0;
};

}  // namespace sim
