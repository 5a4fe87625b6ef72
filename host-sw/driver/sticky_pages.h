#pragma once
// IOVA ranges a deferred flush policy cleared but whose invalidation may not have
// completed: writes to them may hit a stale dirty-known IOTLB entry and never set D,
// so harvests keep reporting them until the flush numbered `gen` has completed.
#include <cstdint>
#include <functional>
#include <map>

namespace sim {

class StickyPages {
 public:
  // Marks [start, start+length) as waiting for flush `gen` (replacing what was there).
  void add(uint64_t start, uint64_t length, uint64_t gen);
  // Each marked part inside [start, end), clipped.
  void for_each(uint64_t start, uint64_t end,
                const std::function<void(uint64_t, uint64_t)>& fn) const;
  // Forgets the parts inside [start, end) whose flush is below `covered`.
  void drop_covered(uint64_t start, uint64_t end, uint64_t covered);
  uint64_t bytes() const;
  bool empty() const { return m_.empty(); }

 private:
  struct Part {
    uint64_t end, gen;
  };
  void split(uint64_t at);  // so that no part straddles `at`
  std::map<uint64_t, Part> m_;
};

}  // namespace sim
