#pragma once
// A DMA-generating PCIe endpoint, pull-based: it schedules its own next issue on the
// dispatcher, books each TLP's serialisation on its link, and hands each TLP to the
// root complex (through a TlpPort) at the moment it has fully arrived there, so
// every effect happens in dispatcher order whatever the SystemC quantum.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/base/rng.h"
#include "models/memory/mmio.h"
#include "models/report/histogram.h"
#include "models/report/stats.h"
#include "models/report/trace.h"
#include "models/sim/dispatcher.h"
#include "pcie/atc.h"
#include "pcie/device_config.h"
#include "pcie/dirty_logger.h"
#include "pcie/dma_job.h"
#include "pcie/link.h"
#include "pcie/tlp_split.h"

namespace sim {

struct Tlp {
  uint16_t requester;
  uint64_t request_id;
  uint32_t index;  // TLP number within its request
  bool write;
  uint64_t addr;  // the IOVA
  uint32_t len;
  bool translated = false;  // ATS: sent with a translation from the device's cache
  uint64_t pa = 0, pte_addr = 0;
  uint32_t pasid = kNoPasid;  // the PASID prefix
};

// A translation completion as the device sees it.
struct AtsReply {
  bool ok = false;
  uint64_t vbase = 0, pbase = 0;
  uint8_t size_shift = 12;
  bool r = false, w = false;
  uint64_t pte_addr = 0;  // simulator side band
  Ps ready = 0;           // at the root complex
};

struct TlpResult {
  bool fault = false;
  Ps done = 0;  // write: data visible in memory; read: completion data ready at the root complex
  uint64_t pa = 0;  // simulator side band: where a write landed (for the dirty logger's witness)
  // Write: when the root complex passed it on toward memory (translated, and committed
  // in order under strict ordering), which frees its posted-buffer entry: its credits.
  Ps passed = 0;
};

// The root complex as seen from an endpoint (the TLM shell implements it).
class TlpPort {
 public:
  virtual ~TlpPort() = default;
  virtual TlpResult send(const Tlp& tlp, Ps at) = 0;
  // An ATS translation request that has arrived at the root complex at `at`.
  virtual AtsReply translate(uint16_t requester, uint64_t iova, bool write, Ps at) = 0;
};

// The endpoint's control register page (host MMIO): CTRL at 0x0, bit 0 STOP (stop
// issuing; requests in flight complete); STATUS at 0x4, bit 0 set when stopped and
// drained.
inline constexpr uint64_t kEndpointCtrl = 0x0, kEndpointStatus = 0x4;
inline constexpr uint64_t kEndpointCtrlBase = 0xfe000000, kEndpointCtrlStride = 0x1000;

class Endpoint : public EventTarget, public MmioTarget {
 public:
  Endpoint(const DeviceConfig& dev, const PcieConfig& pcie, Dispatcher& d, StatsRegistry& stats,
           TraceRecorder& trace, uint64_t seed);

  void connect(TlpPort* port) { port_ = port; }
  void start();
  void start_job_after_step(const std::string& step, Ps at);
  bool idle() const;
  void finalize(Ps end);
  const std::string& name() const { return dev_.name; }
  uint16_t bdf() const { return dev_.bdf; }
  void on_event(Ps now, uint64_t arg) override;
  uint64_t mmio_read(uint64_t offset, unsigned size, Ps at) override;
  void mmio_write(uint64_t offset, uint64_t value, unsigned size, Ps at) override;
  bool stopped() const { return stopped_; }
  // Mapped receive buffers: `job` (a nic_mq_rx job) gets its buffers' addresses from
  // the host through `m` (pcie/buffer_mapper.h); its queues, or nullptr when there is
  // no such job. Registers the dropped-packet count.
  NicMultiQueue* map_buffers(const std::string& job, BufferMapper* m, StatsRegistry& stats);
  // ATS: an invalidation request for [addr, addr + bytes) leaves the root complex at
  // `at`; returns when the device's completion is back there.
  Ps invalidate_atc(uint64_t addr, uint64_t bytes, Ps at);

  // The DMA logger (endpoint_dma_log.cpp). Its reports are written to host memory at
  // a physical address (the host driver's own buffer, not through the guest's IO page
  // table): the platform stores the bytes.
  std::function<void(uint64_t pa, const void* data, uint64_t len)> on_log_write;
  // Simulator side bands for the oracle: a write that landed at `pa` and was not
  // logged (outside the ranges, the log full, or stopped after a start), and a logged
  // page a stop dropped unreported (`overflowed`: the log had overflowed, so no
  // report could have handed it out).
  std::function<void(uint64_t pa, uint64_t len, DirtyLogger::Hit why, Ps at)> on_unlogged_write;
  std::function<void(uint64_t pa, bool overflowed, Ps at)> on_log_dropped;
  const DirtyLogger* dirty_logger() const;

 private:
  enum Kind : uint64_t {
    kIssue,
    kArrive,
    kReadDone,
    kTrArrive,
    kTrDone,
    kAtcInv,
    kCredit,
    kLogDone
  };
  static constexpr unsigned kKindBits = 3;
  struct Request {
    unsigned job;
    bool write;
    uint64_t iova, size;
    Ps issued;
    uint32_t tlps_left;
    bool faulted;
    uint64_t id;
    int32_t queue = -1;  // a mapped NIC buffer's write: its queue and slot
    uint32_t slot = 0;
  };
  static constexpr uint32_t kNoSlot = ~0u;
  struct InFlight {
    uint32_t request;  // index into requests_
    Tlp tlp;
    // A run of TLPs sent in one handler queues only its first arrival; each arrival
    // queues the next one's ticket (reserved at send, so its order is unchanged).
    Dispatcher::Ticket arrival{};
    uint32_t next = kNoSlot;  // the TLP whose arrival this one queues
  };

  // A translation request of the ATC and the TLPs waiting for it.
  struct PendingTr {
    uint64_t page;
    bool write;
    uint64_t epoch;  // ATC invalidations seen when it was sent
    std::vector<uint32_t> waiting;
    AtsReply reply;
  };

  void schedule_issue();
  // The issue event's body (its generation already checked). This and arrive_run are
  // the two entries of every TLP's work here: flattened, each is one frame instead of
  // a chain of small calls that each saved and restored registers (in the canary, 137
  // of a TLP's 1432 instructions).
  [[gnu::flatten]] void issue_now(Ps now);
  // An issue event reserved right after an arrival at its time and rank runs in that
  // arrival's handler (nothing can come between them): one event per TLP, not two.
  void run_held_issue();
  // Whether the job's next request can go now: reads need a tag per read request,
  // writes posted credits for every TLP.
  bool can_issue(const DmaJob& j) const;
  void issue(unsigned job, Ps now);
  // Returns when it has arrived. `tail`: the run's latest queued-or-chained arrival
  // (kNoSlot before the first), which a later arrival chains behind.
  Ps send_tlp(uint32_t slot, Ps now, uint32_t& tail);
  // endpoint_ats.cpp: true when the TLP may go now (translated from the ATC).
  bool use_atc(uint32_t slot, Ps now);
  void tr_arrive(uint32_t tr, Ps now);
  void tr_done(uint32_t tr, Ps now);
  void fault_tlp(uint32_t slot, Ps now);
  // A run of chained arrivals from `slot` on: each next one is claimed and run here
  // while nothing queued comes before it, else queued.
  [[gnu::flatten]] void arrive_run(uint32_t slot, Ps now);
  void arrive(uint32_t slot, Ps now);
  void read_done(uint32_t slot, Ps now);
  void finish_tlp(uint32_t req, Ps now);
  // endpoint_dma_log.cpp: its registers (true when `offset` is one), a write's
  // logging, and a command's end.
  void make_dma_log(StatsRegistry& stats);
  bool log_mmio_read(uint64_t offset, uint64_t& value) const;
  bool log_mmio_write(uint64_t offset, uint64_t value, Ps at);
  void log_command(uint64_t cmd, Ps at);
  void log_write(const Tlp& tlp, uint64_t pa, Ps now);
  void log_done(Ps now);
  [[gnu::cold]] void trace_begin(const Request& r, const DmaJob& j, Ps now) const;
  [[gnu::cold]] void trace_tlp(const Tlp& tlp, bool fault, Ps now) const;
  [[gnu::cold]] void trace_end(const Request& r, Ps now) const;
  // Stores an item in a free slot (slots are reused; indices travel in events).
  template <class T>
  static uint32_t put(std::vector<T>& v, std::vector<uint32_t>& free, T item) {
    const uint32_t i = take_slot(v, free);
    v[i] = std::move(item);
    return i;
  }
  // A free slot to fill in place (its old contents are left as they were).
  template <class T>
  static uint32_t take_slot(std::vector<T>& v, std::vector<uint32_t>& free) {
    if (free.empty()) {
      v.emplace_back();
      return uint32_t(v.size() - 1);
    }
    const uint32_t i = free.back();
    free.pop_back();
    return i;
  }

  DeviceConfig dev_;
  PcieConfig pcie_;
  Dispatcher& d_;
  TraceRecorder& trace_;
  std::string component_;
  TlpPort* port_ = nullptr;
  std::vector<DmaJob> jobs_;
  TlpOverheads ovh_;
  LinkRates rates_;
  LinkDirection tx_, rx_;  // device -> host, host -> device

  std::vector<Request> requests_;
  std::vector<uint32_t> free_requests_;
  std::vector<InFlight> inflight_;
  std::vector<uint32_t> free_inflight_;
  std::vector<Chunk> chunks_;
  std::unique_ptr<Atc> atc_;  // with ATS
  struct DmaLog;
  struct DmaLogDelete {
    void operator()(DmaLog* l) const;  // where DmaLog is complete (endpoint_dma_log.cpp)
  };
  std::unique_ptr<DmaLog, DmaLogDelete> log_;  // with dma_logging
  std::vector<PendingTr> trs_;
  std::vector<uint32_t> free_trs_;
  std::vector<Range> atc_invs_;
  std::vector<uint32_t> free_atc_invs_;
  std::vector<Ps> inv_slots_;  // when each outstanding-invalidation slot frees
  uint64_t atc_epoch_ = 0;
  Rng inv_rng_;
  unsigned tags_free_;
  // Posted header and data credits (flow control on when either is configured; the
  // other is then unlimited); below 0: overdrawn by a request larger than the pool.
  bool credits_;
  int64_t ph_total_, pd_total_, ph_free_, pd_free_;
  uint64_t requests_open_ = 0;
  uint64_t next_id_ = 1;
  uint64_t issue_gen_ = 0;
  Ps issue_at_ = kNever;                  // time of the pending issue event, kNever when none
  Dispatcher::Ticket last_arrival_{};     // the latest arrival booked, while pending
  uint32_t last_arrival_slot_ = kNoSlot;  // its TLP
  Dispatcher::Ticket held_issue_{};       // the issue event its arrival will run
  uint64_t held_gen_ = 0;                 // the generation it was booked with
  uint32_t issue_after_slot_ = kNoSlot;   // the TLP whose arrival holds it
  bool stopped_ = false;
  double goodput_ = 0;  // set by finalize
  uint64_t inflight_end_ = 0;
  Ps end_ = 0;

  uint64_t& requests_stat_;
  uint64_t& bytes_written_;
  uint64_t& bytes_read_;
  TimeSeries::Series& goodput_ts_;
  uint64_t& faults_;
  uint64_t& tlps_;
  Histogram& read_latency_;
  uint64_t& ats_requests_;
  uint64_t& atc_hits_;
  uint64_t& atc_misses_;
  uint64_t& atc_invalidations_;
};

}  // namespace sim
