#include "pcie/nic_multiqueue.h"

#include <algorithm>
#include <string>

#include "models/config/config.h"
#include "models/config/named_values.h"

namespace sim {

namespace {
const NamedValues<Recycle> kRecycle{
    {"lifo", Recycle::Lifo}, {"fifo", Recycle::Fifo}, {"random", Recycle::Random}};
}  // namespace

std::shared_ptr<const NicMultiQueueConfig> load_nic_multiqueue(ConfigReader& j) {
  auto c = std::make_shared<NicMultiQueueConfig>();
  c->queues = unsigned(j.integer("queues", c->queues, 1, 1024));
  c->flows = uint64_t(j.integer("flows", int64_t(c->queues), 1, 1 << 24));
  uint64_t weights = 0, bytes = 0;
  if (j.has("sizes")) {
    for (ConfigReader& s : j.list("sizes")) {
      const uint64_t size = s.size("size");
      if (size == 0) s.fail("size", "expected a packet size above 0");
      const uint64_t w = uint64_t(s.integer("weight", 1, 1, 1 << 20));
      c->sizes.push_back({size, w});
      weights += w;
      bytes += size * w;
    }
    if (c->sizes.empty()) j.fail("sizes", "expected at least one {size, weight}");
  } else {
    const uint64_t size = j.size("size");
    if (size == 0) j.fail("size", "expected a packet size above 0");
    c->sizes.push_back({size, 1});
    weights = 1;
    bytes = size;
  }
  c->mean_size = (bytes + weights / 2) / weights;
  ConfigReader ring = j.map("ring");
  c->ring_iova = ring.address("iova");
  c->ring_entries = uint64_t(ring.integer("entries", int64_t(c->ring_entries), 1, 1 << 16));
  c->desc_size = unsigned(ring.integer("desc_size", c->desc_size, 4, 256));
  ConfigReader buf = j.map("buffers");
  c->buffers_iova = buf.address("iova");
  const uint64_t length = buf.size("length");
  c->buffer_size = j.size("buffer_size", c->buffer_size);
  for (const auto& [size, w] : c->sizes)
    if (size > c->buffer_size) j.fail("buffer_size", "a packet does not fit its buffer");
  c->hold = uint64_t(j.integer("hold", int64_t(c->hold), 0, 1 << 20));
  c->recycle = j.choice("recycle", Recycle::Lifo, kRecycle);
  c->pool_length = length / c->queues;
  // Every slot posted, `hold` with the stack and one to refill with: the least a
  // queue's pool can be.
  if (c->buffers_per_queue() < c->ring_entries + c->hold + 1)
    buf.fail("length",
             "each queue's pool (length / queues) needs room for ring.entries + hold + 1 "
             "buffers of buffer_size bytes");
  if (c->buffers_per_queue() > (uint64_t(1) << 32)) buf.fail("length", "more than 2^32 buffers");
  c->desc_batch = unsigned(j.integer("desc_batch", c->desc_batch, 1, 4096));
  c->writeback_batch = unsigned(j.integer("writeback_batch", c->writeback_batch, 1, 4096));
  if (c->desc_batch > c->ring_entries || c->writeback_batch > c->ring_entries)
    j.fail("desc_batch", "batches must fit the ring");
  c->msi_every = unsigned(j.integer("msi_every", c->msi_every, 0, 1 << 20));
  return c;
}

NicMultiQueue::NicMultiQueue(std::shared_ptr<const NicMultiQueueConfig> c, uint64_t seed,
                             const std::string& stream)
    : c_(std::move(c)), rng_(seed, stream), queues_(c_->queues) {
  for (const auto& [size, w] : c_->sizes) total_weight_ += w;
  for (Queue& q : queues_) {
    q.slot.resize(c_->ring_entries);
    for (uint32_t b = 0; b < c_->ring_entries; ++b) q.slot[b] = b;
    for (uint64_t b = c_->ring_entries; b < c_->buffers_per_queue(); ++b)
      q.free.push_back(uint32_t(b));
  }
}

uint32_t NicMultiQueue::take_free(Queue& q) {
  uint32_t b;
  switch (c_->recycle) {
    case Recycle::Lifo:
      b = q.free.back();
      q.free.pop_back();
      break;
    case Recycle::Fifo:
      b = q.free.front();
      q.free.pop_front();
      break;
    case Recycle::Random: {
      const uint64_t i = rng_.below(q.free.size());
      b = q.free[i];
      q.free[i] = q.free.back();
      q.free.pop_back();
      break;
    }
  }
  return b;
}

namespace {
// RSS: a flow's queue from a hash of its id (SplitMix64's finaliser standing in for
// the Toeplitz hash of its 5-tuple), so a flow stays on its queue.
uint64_t rss_hash(uint64_t flow) {
  uint64_t z = flow + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

uint64_t NicMultiQueue::next_packet(std::vector<NicRequest>& out) {
  out.clear();
  const unsigned qi = unsigned(rss_hash(rng_.below(c_->flows)) % c_->queues);
  uint64_t size = c_->sizes[0].first;
  if (c_->sizes.size() > 1) {
    uint64_t pick = rng_.below(total_weight_);
    for (const auto& [s, w] : c_->sizes) {
      size = s;
      if (pick < w) break;
      pick -= w;
    }
  }
  Queue& q = queues_[qi];
  if (mapper_ && q.addr[q.head % c_->ring_entries] == kNotPosted) {
    ++drops_;
    out.push_back({true, 0, 0, int32_t(qi), 0, true});
    return size;
  }
  const uint64_t ring = c_->ring_iova + uint64_t(qi) * c_->ring_entries * c_->desc_size;
  auto ring_access = [&](uint64_t first, uint64_t n, bool write) {
    const uint64_t at = first % c_->ring_entries, run = std::min(n, c_->ring_entries - at);
    out.push_back({write, ring + at * c_->desc_size, run * c_->desc_size});
    if (run < n) out.push_back({write, ring, (n - run) * c_->desc_size});
  };
  const uint64_t n = q.head, at = n % c_->ring_entries;
  if (n % c_->desc_batch == 0) ring_access(n, c_->desc_batch, false);
  const uint32_t b = q.slot[at];
  if (mapper_) {
    out.push_back({true, q.addr[at], size, int32_t(qi), uint32_t(at)});
    q.addr[at] = kNotPosted;
  } else {
    out.push_back(
        {true, c_->buffers_iova + qi * c_->pool_length + uint64_t(b) * c_->buffer_size, size});
  }
  if ((n + 1) % c_->writeback_batch == 0)
    ring_access(n + 1 - c_->writeback_batch, c_->writeback_batch, true);
  if (c_->msi_every && (n + 1) % c_->msi_every == 0) out.push_back({true, c_->msi_iova, 4});
  // The driver: the filled buffer goes up the stack, the oldest one the stack holds
  // comes back, and the slot is posted again.
  q.held.push_back(b);
  if (q.held.size() > c_->hold) {
    q.free.push_back(q.held.front());
    q.held.pop_front();
  }
  if (!mapper_) q.slot[at] = take_free(q);
  ++q.head;
  return size;
}

void NicMultiQueue::set_mapper(BufferMapper* m) {
  mapper_ = m;
  for (Queue& q : queues_) q.addr.assign(c_->ring_entries, kNotPosted);
}

uint64_t NicMultiQueue::refill(unsigned queue, uint64_t slot) {
  Queue& q = queues_[queue];
  // The first fill of a slot posts the buffer it started with.
  const uint32_t b = q.head > slot || q.head >= c_->ring_entries ? take_free(q) : q.slot[slot];
  q.slot[slot] = b;
  return c_->buffers_iova + queue * c_->pool_length + uint64_t(b) * c_->buffer_size;
}

void NicMultiQueue::post(unsigned queue, uint64_t slot, uint64_t addr) {
  queues_[queue].addr[slot] = addr;
}

}  // namespace sim
