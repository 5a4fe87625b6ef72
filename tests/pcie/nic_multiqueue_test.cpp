// The multi-queue NIC's queues, RSS and buffer recycling models.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "models/config/config.h"
#include "pcie/device_config.h"
#include "pcie/nic_multiqueue.h"

using namespace sim;

namespace {
std::shared_ptr<const NicMultiQueueConfig> mq(const std::string& extra) {
  std::string yaml = "{name: rx, pattern: nic_mq_rx, ring: {iova: 0x10000000, entries: 16}, ";
  yaml += "buffers: {iova: 0, length: 1MiB}, buffer_size: 2KiB, ";
  if (extra.find("hold") == std::string::npos) yaml += "hold: 8, ";
  ConfigDoc doc = ConfigDoc::from_string(yaml + extra + "}", "mq.yaml");
  ConfigReader r = doc.root();
  r.text("name");
  r.keyword("pattern", "nic_mq_rx");
  auto c = load_nic_multiqueue(r);
  doc.check_unknown_keys();
  return c;
}
// Buffers (by address) each queue's data writes touched over `packets` packets.
std::map<uint64_t, std::set<uint64_t>> touched(const std::shared_ptr<const NicMultiQueueConfig>& c,
                                               unsigned packets) {
  NicMultiQueue nic(c, 1, "t");
  std::vector<NicRequest> out;
  std::map<uint64_t, std::set<uint64_t>> by_queue;
  for (unsigned i = 0; i < packets; ++i) {
    nic.next_packet(out);
    for (const NicRequest& r : out)
      if (r.write && r.iova < 1 << 20) by_queue[r.iova / c->pool_length].insert(r.iova);
  }
  return by_queue;
}
}  // namespace

TEST_CASE("recycling: lifo keeps ring + hold + 1 buffers hot, fifo and random use the pool") {
  // 1 MiB over 2 queues: 256 buffers a queue, ring 16, hold 8.
  for (const auto& [recycle, most] : std::vector<std::pair<std::string, size_t>>{
           {"lifo", 16 + 8 + 1}, {"fifo", 256}, {"random", 256}}) {
    auto t = touched(mq("queues: 2, flows: 64, size: 1500, recycle: " + recycle), 4000);
    REQUIRE(t.size() == 2);
    for (const auto& [q, bufs] : t) {
      CHECK(bufs.size() <= most);
      if (recycle != "lifo") CHECK(bufs.size() > 200);  // ~2000 packets a queue
    }
  }
}

TEST_CASE("RSS keeps a flow on one queue, and fifo writes a queue's buffers in pool order") {
  auto c = mq("queues: 4, flows: 1, size: 64, recycle: fifo, hold: 0");
  NicMultiQueue nic(c, 7, "t");
  std::vector<NicRequest> out;
  std::set<uint64_t> queues;
  uint64_t last = 0;
  for (unsigned i = 0; i < 300; ++i) {
    nic.next_packet(out);
    for (const NicRequest& r : out) {
      if (!r.write || r.iova >= 1 << 20) continue;
      queues.insert(r.iova / c->pool_length);
      if (i > 0 && (r.iova % c->pool_length) != 0) CHECK(r.iova == last + 2048);
      last = r.iova;
    }
  }
  CHECK(queues.size() == 1);
}

TEST_CASE("a size mix: sizes drawn by weight, its mean is the job's size") {
  auto c = mq("queues: 1, sizes: [{size: 64, weight: 3}, {size: 1500}]");
  CHECK(c->mean_size == (3 * 64 + 1500 + 2) / 4);
  NicMultiQueue nic(c, 3, "t");
  std::vector<NicRequest> out;
  unsigned small = 0;
  for (unsigned i = 0; i < 4000; ++i) small += nic.next_packet(out) == 64;
  CHECK(small > 2800);
  CHECK(small < 3200);
}

TEST_CASE("multi-queue config errors") {
  auto err = [](const std::string& extra) {
    try {
      mq(extra);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(err("queues: 64, size: 64").find("buffers.length") != std::string::npos);  // 8 a queue
  CHECK(err("queues: 1, size: 4KiB").find("buffer_size") != std::string::npos);
  CHECK(err("queues: 1, size: 64, recycle: lifx").find("lifo") != std::string::npos);
  CHECK(err("queues: 1, sizes: []").find("sizes") != std::string::npos);
}

namespace {
struct Heard : BufferMapper {
  std::vector<std::pair<unsigned, uint64_t>> filled_slots;
  void filled(unsigned queue, uint64_t slot, uint64_t, Ps) override {
    filled_slots.push_back({queue, slot});
  }
};
// The one buffer write of a packet's requests (nullptr when it has none).
const NicRequest* buffer_write(const std::vector<NicRequest>& out) {
  for (const NicRequest& r : out)
    if (r.queue >= 0) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("mapped buffers: a packet finding its slot empty is dropped, the ring waits for a post") {
  auto c = mq("queues: 1, flows: 1, size: 64, recycle: lifo");
  NicMultiQueue nic(c, 1, "t");
  Heard host;
  nic.set_mapper(&host);
  std::vector<NicRequest> out;
  nic.next_packet(out);  // nothing posted yet
  REQUIRE(out.size() == 1);
  CHECK(out[0].drop);
  CHECK(nic.drops() == 1);
  // The driver's open: slot 0 gets the pool's first buffer, posted at address 0 (a
  // valid address: static mode posts the buffers' own).
  CHECK(nic.refill(0, 0) == 0);
  nic.post(0, 0, 0);
  nic.next_packet(out);
  const NicRequest* w = buffer_write(out);
  REQUIRE(w);
  CHECK(w->iova == 0);
  CHECK(w->slot == 0);
  // Slot 1 was never posted: the next packet is dropped and the ring stays at slot 1.
  nic.next_packet(out);
  CHECK(out[0].drop);
  CHECK(nic.refill(0, 1) == 2048);  // its first fill: the slot's own starting buffer
  nic.post(0, 1, 0xabc000);
  nic.next_packet(out);
  w = buffer_write(out);
  REQUIRE(w);
  CHECK(w->iova == 0xabc000);
  CHECK(w->slot == 1);
  CHECK(nic.drops() == 2);
  // Slot 0 again, once used: the refill takes a free buffer, not the one it had.
  const uint64_t next = nic.refill(0, 0);
  CHECK(next != 0);
  CHECK(next < 1 << 20);
  CHECK(next % 2048 == 0);
}
