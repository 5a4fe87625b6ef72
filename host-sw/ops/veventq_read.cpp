// veventq_read (read(2) on a vEVENTQ's file, with a buffer of `count` bytes, default
// 4 KiB): the entries that fit, oldest first, each an 8-byte header (flags: the
// LOST_EVENTS bit; sequence) and its event (veventq.h has the rules). Before the read
// the driver's fault handler has run: the faults the units logged are forwarded
// (host_vevents.cpp). After `veventq_close` (and a destroy) a read is EBADF.
// `expect_bytes`: what read returned; `expect_events`: every entry, in order, each with
// what it must carry: `lost` (default false), `sequence`, `virt_id` (a `selftest` or
// `s1_fault` event), and for `s1_fault` events `addr`, `write` and `reason` (a fault
// reason: not_present, write_to_readonly, ...).
#include "host-sw/ops/op_registry.h"
#include "iommu/page_walker.h"

namespace sim {
namespace {

struct WantEvent {
  bool lost = false;
  std::optional<uint64_t> sequence, virt_id, addr, write;
  std::optional<std::string> reason;
};

// The fault reasons' names (iommu/page_walker.h), every reason but none.
std::vector<std::string> fault_reasons() {
  std::vector<std::string> names;
  for (auto r = uint8_t(FaultReason::NotPresent); r <= uint8_t(FaultReason::AtsNotAllowed); ++r)
    names.push_back(fault_name(FaultReason(r)));
  return names;
}

struct VeventqRead final : HostOperation {
  std::string veventq;
  uint64_t count = 4096;
  std::optional<uint64_t> expect_bytes;
  std::optional<std::vector<WantEvent>> expect_events;

  void parse(ConfigReader& r, OpNames& n) {
    veventq = r.text("veventq");
    n.need(r, "veventq", n.veventq, veventq, "vEVENTQ");
    count = r.size("count", 4096);
    if (r.has("expect_bytes")) expect_bytes = uint64_t(r.integer("expect_bytes", 0, INT64_MAX));
    if (!r.has("expect_events")) return;
    expect_events.emplace();
    for (ConfigReader e : r.list("expect_events")) {
      WantEvent w;
      w.lost = e.boolean("lost", false);
      if (e.has("sequence")) w.sequence = uint64_t(e.integer("sequence", 0, INT32_MAX));
      if (e.has("virt_id")) w.virt_id = e.address("virt_id");
      if (e.has("addr")) w.addr = e.address("addr");
      if (e.has("write")) w.write = e.boolean("write", false);
      if (e.has("reason")) w.reason = e.choice("reason", fault_reasons());
      expect_events->push_back(w);
    }
  }
  void prepare(Host& h) const override { h.enable_vevent_stats(); }

  // The first difference between an entry and what is expected, or "".
  static std::string compare(size_t i, const Vevent& got, uint32_t type, const WantEvent& w) {
    const std::string at = "entry " + std::to_string(i) + ": ";
    if (got.lost != w.lost)
      return at + (got.lost ? "the LOST_EVENTS header" : "an event") + ", expected " +
             (w.lost ? "the LOST_EVENTS header" : "an event");
    if (w.sequence && got.sequence != *w.sequence)
      return at + "sequence " + std::to_string(got.sequence) + ", expected " +
             std::to_string(*w.sequence);
    if (got.lost) return "";
    uint64_t virt_id = 0;
    S1FaultEvent f;
    if (type == uint32_t(VeventqType::Selftest)) {
      for (size_t b = 0; b < 4 && b < got.data.size(); ++b)
        virt_id |= uint64_t(got.data[b]) << (8 * b);
    } else if (type == uint32_t(VeventqType::S1Fault)) {
      f = S1FaultEvent::decode(got.data);
      virt_id = f.virt_id;
    }
    if (w.virt_id && virt_id != *w.virt_id)
      return at + "virt_id " + hex(virt_id) + ", expected " + hex(*w.virt_id);
    if (w.addr && f.addr != *w.addr)
      return at + "addr " + hex(f.addr) + ", expected " + hex(*w.addr);
    if (w.write && f.write != bool(*w.write))
      return at + (f.write ? "a write" : "a read") + ", expected " +
             (*w.write ? "a write" : "a read");
    if (w.reason && fault_name(FaultReason(f.reason)) != *w.reason)
      return at + "reason " + fault_name(FaultReason(f.reason)) + ", expected " + *w.reason;
    return "";
  }

  Task<Errno> run(Host& h, OpOutcome& out) const override {
    h.forward_faults();
    auto it = h.veventqs().find(veventq);
    // Its file closed (and then maybe destroyed): a read of a closed fd.
    if (it == h.veventqs().end() || !it->second.fd_open) co_return Errno::Ebadf;
    std::vector<Vevent> got;
    const uint64_t bytes = it->second.queue.read(count, got);
    for (const Vevent& v : got)
      if (!v.lost) ++h.vevent_counter(Host::kVeventsRead);
    co_await h.cpu().charge(h.cpu().cost().syscall);
    expect_value("bytes", expect_bytes, bytes, out.detail);
    if (expect_events && out.detail.empty()) {
      if (got.size() != expect_events->size())
        out.detail = "read " + std::to_string(got.size()) + " entries, expected " +
                     std::to_string(expect_events->size());
      for (size_t i = 0; i < got.size() && out.detail.empty() && i < expect_events->size(); ++i)
        out.detail = compare(i, got[i], it->second.queue.type(), (*expect_events)[i]);
    }
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry veventq_read_op = host_op<VeventqRead>("veventq_read");
}  // namespace sim
