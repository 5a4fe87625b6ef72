#include "pcie/nic_ring.h"

#include "models/config/config.h"

namespace sim {

NicRingConfig load_nic_ring(ConfigReader& j, bool receive, uint64_t packet_size) {
  NicRingConfig c;
  c.receive = receive;
  ConfigReader ring = j.map("ring");
  c.ring_iova = ring.address("iova");
  c.ring_entries = uint64_t(ring.integer("entries", int64_t(c.ring_entries), 1, 1 << 20));
  c.desc_size = unsigned(ring.integer("desc_size", c.desc_size, 4, 256));
  ConfigReader buf = j.map("buffers");
  c.buffers_iova = buf.address("iova");
  c.buffers_length = buf.size("length");
  c.buffer_size = j.size("buffer_size", c.buffer_size);
  if (c.buffer_size < packet_size) j.fail("buffer_size", "a packet does not fit its buffer");
  if (c.buffers_length < c.buffer_size)
    buf.fail("length", "expected room for at least one buffer of buffer_size bytes");
  c.desc_batch = unsigned(j.integer("desc_batch", c.desc_batch, 1, 4096));
  c.writeback_batch = unsigned(j.integer("writeback_batch", c.writeback_batch, 1, 4096));
  if (c.desc_batch > c.ring_entries || c.writeback_batch > c.ring_entries)
    j.fail("desc_batch", "batches must fit the ring");
  c.msi_every = unsigned(j.integer("msi_every", c.msi_every, 0, 1 << 20));
  return c;
}

namespace {
// Descriptors [first, first + n) of the ring as accesses, split where the ring wraps.
void ring_access(const NicRingConfig& c, uint64_t first, uint64_t n, bool write,
                 std::vector<NicRequest>& out) {
  const uint64_t at = first % c.ring_entries, run = std::min(n, c.ring_entries - at);
  out.push_back({write, c.ring_iova + at * c.desc_size, run * c.desc_size});
  if (run < n) out.push_back({write, c.ring_iova, (n - run) * c.desc_size});
}
}  // namespace

void nic_packet_requests(const NicRingConfig& c, uint64_t n, uint64_t packet_size,
                         std::vector<NicRequest>& out) {
  out.clear();
  if (n % c.desc_batch == 0) ring_access(c, n, c.desc_batch, false, out);
  const uint64_t buffers = c.buffers_length / c.buffer_size;
  out.push_back({c.receive, c.buffers_iova + (n % buffers) * c.buffer_size, packet_size});
  if ((n + 1) % c.writeback_batch == 0)
    ring_access(c, n + 1 - c.writeback_batch, c.writeback_batch, true, out);
  if (c.msi_every && (n + 1) % c.msi_every == 0) out.push_back({true, c.msi_iova, 4});
}

}  // namespace sim
