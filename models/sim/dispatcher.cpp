#include "models/sim/dispatcher.h"

#include <stdexcept>

namespace sim {

void Dispatcher::scheduled_in_past() {
  throw std::logic_error("event scheduled in the past");
}

Dispatcher::Entry Dispatcher::pop() {
  const Entry top = heap_[0];
  const Entry last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n == 0) return top;
  const unsigned __int128 k = key(last);
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && key(heap_[c + 1]) < key(heap_[c])) ++c;
    if (k <= key(heap_[c])) break;
    heap_[i] = heap_[c];
    i = c;
  }
  heap_[i] = last;
  return top;
}

}  // namespace sim
