#pragma once
// A DMA-generating PCIe endpoint, pull-based: it schedules its own next issue on the
// dispatcher, books each TLP's serialisation on its link, and hands each TLP to the
// root complex (through a TlpPort) at the moment it has fully arrived there, so
// every effect happens in dispatcher order whatever the SystemC quantum.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/dispatcher.h"
#include "models/histogram.h"
#include "models/mmio.h"
#include "models/stats.h"
#include "models/trace.h"
#include "pcie/device_config.h"
#include "pcie/dma_job.h"
#include "pcie/link.h"
#include "pcie/tlp_split.h"

namespace sim {

struct Tlp {
  uint16_t requester;
  uint64_t request_id;
  uint32_t index;  // TLP number within its request
  bool write;
  uint64_t addr;
  uint32_t len;
};

struct TlpResult {
  bool fault = false;
  Ps done = 0;  // write: data visible in memory; read: completion data ready at the root complex
};

// The root complex as seen from an endpoint (the TLM shell implements it).
class TlpPort {
 public:
  virtual ~TlpPort() = default;
  virtual TlpResult send(const Tlp& tlp, Ps at) = 0;
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
  void on_event(Ps now, uint64_t arg) override;
  uint64_t mmio_read(uint64_t offset, unsigned size, Ps at) override;
  void mmio_write(uint64_t offset, uint64_t value, unsigned size, Ps at) override;
  bool stopped() const { return stopped_; }

 private:
  enum Kind : uint64_t { kIssue = 0, kArrive = 1, kReadDone = 2 };
  struct Request {
    unsigned job;
    bool write;
    uint64_t iova, size;
    Ps issued;
    uint32_t tlps_left;
    bool faulted;
    uint64_t id;
  };
  struct InFlight {
    uint32_t request;  // index into requests_
    Tlp tlp;
  };

  void schedule_issue();
  void issue(unsigned job, Ps now);
  void arrive(uint32_t slot, Ps now);
  void read_done(uint32_t slot, Ps now);
  void finish_tlp(uint32_t req, Ps now);
  template <class T>
  static uint32_t put(std::vector<T>& v, std::vector<uint32_t>& free, T item);

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
  unsigned tags_free_;
  uint64_t requests_open_ = 0;
  uint64_t next_id_ = 1;
  uint64_t issue_gen_ = 0;
  Ps issue_at_ = kNever;  // time of the pending issue event, kNever when none
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
};

}  // namespace sim
