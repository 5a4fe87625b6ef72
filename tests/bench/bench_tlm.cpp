// iommu-sim-bench: the simulator's own speed, one JSON object on stdout.
//
// Canary: a bare chain of three b_transport hops against our endpoint -> root
// complex -> IOMMU -> memory path, which crosses the same three sockets; the IOMMU
// translates every TLP with one IOTLB lookup (a hit: one 2 MiB leaf covers the
// window after the first walk). Both are built before sc_start and run in alternating phases inside
// one thread; each transaction is one 64 B posted write advancing simulated time by the same
// serialisation interval. The figure is the median of 5 repetitions.
//
// `--phase bare|ours` runs one chain alone (the other's figures are 0) and
// `--transactions N` sets the count per repetition: tools/trace-cost.sh counts ours'
// instructions under callgrind.
//
// `harvest [--size 1TiB] [--smoke]`: the dirty harvest and memory of a mapping that
// size (tests/bench/harvest_bench.h); --smoke maps 1 GiB.
//
// `study [SCENARIO]`: one scenario's wall time, events, TLPs and peak RSS, run as the
// CLI runs it (tests/bench/study_bench.h); default scenarios/canonical-study.yaml.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "iommu/iommu.h"
#include "iommu/iommu_tlm.h"
#include "models/tlm/memory_tlm.h"
#include "models/tlm/mmio_bridge_tlm.h"
#include "models/tlm/sim_time_tlm.h"
#include "pcie/endpoint_tlm.h"
#include "pcie/root_complex_tlm.h"
#include "tests/bench/harvest_bench.h"
#include "tests/bench/scale_bench.h"
#include "tests/bench/study_bench.h"
#include "tests/bench/translate_bench.h"

using namespace sim;
using namespace sc_core;

namespace {

constexpr int kReps = 5;
uint64_t kTransactions = 400'000;  // --smoke: a few, to check the bench still runs
bool kBare = true, kOurs = true;   // --phase: only one of the chains

// A hop that only forwards, adding a fixed delay: the least a socket crossing costs.
struct Hop : sc_module {
  tlm_utils::simple_target_socket<Hop> in{"in"};
  tlm_utils::simple_initiator_socket<Hop> out{"out"};
  explicit Hop(sc_module_name n) : sc_module(n) { in.register_b_transport(this, &Hop::fwd); }
  void fwd(tlm::tlm_generic_payload& gp, sc_time& d) {
    d += sc_time(1, SC_NS);
    out->b_transport(gp, d);
  }
};
struct Sink : sc_module {
  tlm_utils::simple_target_socket<Sink> in{"in"};
  std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 20);
  explicit Sink(sc_module_name n) : sc_module(n) { in.register_b_transport(this, &Sink::bt); }
  void bt(tlm::tlm_generic_payload& gp, sc_time& d) {
    std::memcpy(mem.data() + (gp.get_address() & 0xfffc0), gp.get_data_ptr(), gp.get_data_length());
    d += sc_time(80, SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
struct BareInit : sc_module {
  tlm_utils::simple_initiator_socket<BareInit> out{"out"};
  explicit BareInit(sc_module_name n) : sc_module(n) {}
};

struct Bench : sc_module {
  SC_HAS_PROCESS(Bench);
  // Bare chain.
  BareInit init{"bare_init"};
  Hop h1{"hop1"}, h2{"hop2"};
  Sink sink{"sink"};
  // Our chain, one endpoint per repetition so each phase starts fresh; the IOMMU,
  // its memory, context entries and page table are the core tests' rig.
  test::IommuRig rig;
  StatsRegistry stats;
  TraceRecorder trace;
  PcieConfig pcie;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers;
  std::unique_ptr<MemoryTlm> memory;
  std::unique_ptr<IommuTlm> iommu_tlm;
  std::unique_ptr<RootComplexTlm> rc;
  std::unique_ptr<MmioBridgeTlm> mmio;
  std::vector<std::unique_ptr<EndpointTlm>> eps;
  double bare[kReps], ours[kReps];
  const Ps interval = LinkDirection(link_rates(pcie)).duration(64 + tlp_overheads(pcie).mwr);

  explicit Bench(sc_module_name n) : sc_module(n) {
    init.out.bind(h1.in);
    h1.out.bind(h2.in);
    h2.out.bind(sink.in);
    rig.map(0, 0x4000'0000, 2);  // the endpoints' 1 MiB window, one IOTLB entry
    memory = std::make_unique<MemoryTlm>("memory", rig.mem, rig.timing);
    iommu_tlm = std::make_unique<IommuTlm>("iommu", *rig.iommu);
    rc = std::make_unique<RootComplexTlm>("rc", pcie, std::vector<int>(kReps, 0));
    rc->iommu_out.bind(iommu_tlm->dma_in);
    iommu_tlm->mem_out.bind(memory->port(0));
    mmio = std::make_unique<MmioBridgeTlm>("mmio");
    mmio->add_window(rig.cfg.mmio_base, kIommuMmioSize);
    mmio->socket.bind(iommu_tlm->mmio_in);
    for (int r = 0; r < kReps; ++r) {
      DeviceConfig dev;
      dev.name = "ep" + std::to_string(r);
      dev.bdf = uint16_t(0x100 + r);
      rig.set_context(true, false, dev.bdf);
      DmaJobConfig j;
      j.name = "w";
      j.length = 1 << 20;
      j.size = 64;
      j.count = kTransactions;
      j.start = phase_start(r, true);
      dev.jobs.push_back(j);
      dispatchers.push_back(std::make_unique<Dispatcher>());
      eps.push_back(std::make_unique<EndpointTlm>(dev.name.c_str(), dev, pcie, *dispatchers.back(),
                                                  stats, trace, 1));
      eps.back()->socket.bind(rc->dev_in(size_t(r)));
      mmio->add_window(kEndpointCtrlBase + r * kEndpointCtrlStride, kEndpointCtrlStride);
      mmio->socket.bind(eps.back()->ctrl_in);
    }
    SC_THREAD(run);
  }

  // Each phase has its own stretch of simulated time, so neither chain's calendars
  // see bookings in the past of the other's: phase (r, ours) starts after phase
  // (r, bare), each long enough for its transactions.
  Ps phase_start(int r, bool ours_phase) const {
    const Ps span = Ps(kTransactions) * interval + kMs;
    return (2 * Ps(r) + (ours_phase ? 1 : 0)) * span;
  }
  void wait_until(Ps t) {
    if (t > sc_to_ps(sc_time_stamp())) wait(ps_to_sc(t - sc_to_ps(sc_time_stamp())));
  }

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  void run() {
    uint8_t data[64] = {};
    for (int r = 0; r < kReps; ++r) {
      // Bare chain: the same simulated time per transaction, decoupled like ours.
      auto t0 = std::chrono::steady_clock::now();
      tlm::tlm_generic_payload gp;
      gp.set_command(tlm::TLM_WRITE_COMMAND);
      gp.set_data_ptr(data);
      gp.set_data_length(64);
      gp.set_streaming_width(64);
      wait_until(phase_start(r, false));
      Ps local = sc_to_ps(sc_time_stamp());
      const uint64_t n_bare = kBare ? kTransactions : 0;
      for (uint64_t i = 0; i < n_bare; ++i) {
        gp.set_address(i * 64);
        sc_time d = delay_until(local);
        init.out->b_transport(gp, d);
        local += interval;
        if (local > sc_to_ps(sc_time_stamp()) + kUs)
          wait(ps_to_sc(local - sc_to_ps(sc_time_stamp())));
      }
      bare[r] = double(n_bare) / seconds_since(t0);
      // Ours: an endpoint's write stream at rate max, run by its dispatcher.
      Dispatcher& d = *dispatchers[size_t(r)];
      wait_until(phase_start(r, true));
      if (kOurs) eps[size_t(r)]->start();  // not started: no event to run
      t0 = std::chrono::steady_clock::now();
      while (d.run_one()) {
        if (d.now() > sc_to_ps(sc_time_stamp()) + kUs)
          wait(ps_to_sc(d.now() - sc_to_ps(sc_time_stamp())));
      }
      ours[r] = kOurs ? double(kTransactions) / seconds_since(t0) : 0;
    }
    sc_stop();
  }
};

// "1TiB", "64MiB", ...: a count of KiB, MiB, GiB or TiB.
uint64_t parse_size(const std::string& s) {
  size_t n = 0;
  const unsigned long long v = std::stoull(s, &n);
  const std::string unit = s.substr(n);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  for (int i = 0; i < 4; ++i)
    if (unit == units[i]) return v << (10 * (i + 1));
  throw std::invalid_argument("bench: size needs KiB, MiB, GiB or TiB: " + s);
}

int harvest_cli(int argc, char** argv) {
  uint64_t size = 1ull << 40;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      size = 1ull << 30;
    } else if (a == "--size" && i + 1 < argc) {
      size = parse_size(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: iommu-sim-bench harvest [--size 1TiB] [--smoke]\n");
      return 2;
    }
  }
  if (size < (2ull << 20) || size % (2ull << 20)) {
    std::fprintf(stderr, "iommu-sim-bench: --size must be a multiple of 2MiB\n");
    return 2;
  }
  return bench::harvest_main(size);
}

double median(double* v) {
  std::sort(v, v + kReps);
  return v[kReps / 2];
}

int study_cli(int argc, char** argv) {
  if (argc > 3) {
    std::fprintf(stderr, "usage: iommu-sim-bench study [SCENARIO]\n");
    return 2;
  }
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);  // stdout is the JSON alone
  try {
    return bench::study_main(argc == 3 ? argv[2] : SIM_CANONICAL_STUDY);
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // as the CLI: a bug, not bad input
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 3;
  }
}

// The canary's flags; false (after a usage line) when one is wrong.
bool canary_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      kTransactions = 1000;
    } else if (a == "--phase" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "bare" || std::string(argv[i + 1]) == "ours")) {
      kBare = std::string(argv[++i]) == "bare";
      kOurs = !kBare;
    } else if (a == "--transactions" && i + 1 < argc && std::atoll(argv[i + 1]) > 0) {
      kTransactions = uint64_t(std::atoll(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: iommu-sim-bench [--smoke] [--phase bare|ours] [--transactions N]\n"
                   "       iommu-sim-bench harvest [--size 1TiB] [--smoke]\n"
                   "       iommu-sim-bench study [SCENARIO]\n");
      return false;
    }
  }
  return true;
}

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "harvest") return harvest_cli(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "study") return study_cli(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "scale")
    return bench::scale_cli(argc, argv, SIM_CANONICAL_STUDY);
  if (!canary_flags(argc, argv)) return 2;
  sc_set_time_resolution(1, SC_PS);
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);  // stdout is the JSON alone
  auto bench = std::make_unique<Bench>("bench");
  sc_start();
  const double b = median(bench->bare), o = median(bench->ours);
  if (!kBare || !kOurs) {  // one phase: no ratio, and no core rates to count
    std::printf(
        "{\"canary_phase\": \"%s\", \"transactions\": %llu, \"repetitions\": %d, "
        "\"tps\": %.0f}\n",
        kBare ? "bare" : "ours", (unsigned long long)kTransactions, kReps, kBare ? b : o);
    return 0;
  }
  // The chain must have done what the canary says: one IOTLB lookup per TLP.
  const double lookups =
      double(bench->rig.stat("iommu.iotlb.hits") + bench->rig.stat("iommu.iotlb.misses")) /
      double(kTransactions * kReps);
  const bench::TranslateRates t = bench::translate_rates(kTransactions);
  std::printf(
      "{\"canary\": \"64B posted writes, 3 socket hops\", \"transactions\": %llu, "
      "\"repetitions\": %d, \"bare_chain_tps\": %.0f, \"iommu_sim_tps\": %.0f, "
      "\"ratio\": %.3f, \"iotlb_lookups_per_tlp\": %.3f, \"iommu_core_hits_per_s\": %.0f, "
      "\"iommu_core_walks_per_s_walk_cache_warm\": %.0f}\n",
      (unsigned long long)kTransactions, kReps, b, o, o / b, lookups, t.hits_per_s, t.walks_per_s);
  return 0;
}
