// TLM module tests of the substrate: memory timing through a socket, the dispatcher
// shell's quantum, and an exception thrown inside an SC_THREAD reaching sc_main.
#include "tests/tlm/tlm_main.h"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/tlm/direct_transport_tlm.h"
#include "models/tlm/dispatcher_tlm.h"
#include "models/tlm/memory_tlm.h"
#include "models/tlm/sim_time_tlm.h"

using namespace sim;
using namespace sc_core;

namespace {

struct Probe : EventTarget {
  std::vector<std::pair<Ps, Ps>> seen;  // dispatcher time, sc time
  void on_event(Ps now, uint64_t) override { seen.push_back({now, sc_to_ps(sc_time_stamp())}); }
};

struct Initiator : sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(sc_module_name n) : sc_module(n) {}
};

// A target not of ours: reached through b_transport only.
struct Foreign : sc_module {
  tlm_utils::simple_target_socket<Foreign> socket{"socket"};
  unsigned calls = 0;
  explicit Foreign(sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &Foreign::bt);
  }
  void bt(tlm::tlm_generic_payload& gp, sc_time& delay) {
    ++calls;
    delay += sc_time(7, SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// A test's body run as the simulation's one thread (after elaboration).
struct Thread : sc_module {
  SC_HAS_PROCESS(Thread);
  std::function<void()> body;
  Thread(sc_module_name n, std::function<void()> b) : sc_module(n), body(std::move(b)) {
    SC_THREAD(go);
  }
  void go() { body(); }
};

// A 64-byte write of `data` at `addr`.
void set_write(tlm::tlm_generic_payload& gp, uint64_t addr, unsigned char* data) {
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(64);
}

struct Thrower : sc_module {
  SC_HAS_PROCESS(Thrower);
  explicit Thrower(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    wait(5, SC_NS);
    std::vector<int> v(3);
    (void)v;
    throw std::runtime_error("thrown inside an SC_THREAD");
  }
};

}  // namespace

TEST_CASE("memory target: write then read back, timed by latency and bandwidth") {
  SparseMemory store(1ull << 30);
  MemoryTiming timing(80 * kNs, 64'000'000'000);  // 64 B take 1 ns on the channel
  MemoryTlm mem("memory", store, timing);
  Initiator init("init");
  init.socket.bind(mem.port(0));
  Ps write_done = 0, read_done = 0;
  unsigned char out[64], in[64] = {};
  for (int i = 0; i < 64; ++i) out[i] = static_cast<unsigned char>(i * 3);
  Thread runner("runner", [&] {
    tlm::tlm_generic_payload gp;
    set_write(gp, 0x1000, out);
    sc_time delay = SC_ZERO_TIME;
    init.socket->b_transport(gp, delay);
    write_done = abs_ps(delay);
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_data_ptr(in);
    init.socket->b_transport(gp, delay);
    read_done = abs_ps(delay);
  });
  sc_start();
  CHECK(write_done == 81 * kNs);              // 1 ns transfer + 80 ns latency
  CHECK(read_done == write_done + 81 * kNs);  // the read starts when the write returned
  CHECK(std::equal(in, in + 64, out));
  CHECK(mem.bytes_written() == 64);
  CHECK(mem.bytes_read() == 64);
}

TEST_CASE("transport call: direct into our port socket, through b_transport into anyone else's") {
  SparseMemory store(1ull << 30);
  MemoryTiming timing(80 * kNs, 64'000'000'000);
  MemoryTlm mem("memory", store, timing);
  Foreign other("other");
  Initiator ours("ours"), theirs("theirs");
  ours.socket.bind(mem.port(0));
  theirs.socket.bind(other.socket);
  bool ours_direct = true, theirs_direct = true;
  Ps ours_done = 0, theirs_done = 0;
  unsigned char data[64] = {1, 2, 3};
  Thread thread("thread", [&] {
    TransportCall to_ours, to_theirs;  // bound after elaboration, as the shells do
    to_ours.bind(ours.socket.operator->());
    to_theirs.bind(theirs.socket.operator->());
    ours_direct = to_ours.direct();
    theirs_direct = to_theirs.direct();
    tlm::tlm_generic_payload gp;
    set_write(gp, 0x2000, data);
    sc_time delay = SC_ZERO_TIME;
    to_ours(gp, delay);
    ours_done = abs_ps(delay);
    delay = SC_ZERO_TIME;
    to_theirs(gp, delay);
    theirs_done = abs_ps(delay);
  });
  sc_start();
  CHECK(ours_direct);
  CHECK_FALSE(theirs_direct);
  CHECK(mem.bytes_written() == 64);
  CHECK(ours_done == 81 * kNs);
  CHECK(other.calls == 1);
  CHECK(theirs_done == 7 * kNs);
}

TEST_CASE("dispatcher shell: quantum 0 runs each event at its own SystemC time") {
  Dispatcher d;
  Probe p;
  for (Ps t : std::initializer_list<Ps>{0, 10 * kNs, 10 * kNs, 25 * kNs})
    d.schedule(t, Rank::Device, &p);
  DispatcherTlm shell("dispatcher", d, 0);
  sc_start();
  REQUIRE(p.seen.size() == 4);
  for (auto& [disp, sc] : p.seen) CHECK(disp == sc);
}

TEST_CASE("dispatcher shell: a 1 us quantum lets SystemC lag by less than a quantum") {
  Dispatcher d;
  Probe p;
  for (Ps t = 0; t < 5 * kUs; t += 300 * kNs) d.schedule(t, Rank::Device, &p);
  DispatcherTlm shell("dispatcher", d, kUs);
  sc_start();
  REQUIRE(p.seen.size() == 17);
  bool lagged = false;
  for (auto& [disp, sc] : p.seen) {
    CHECK(sc <= disp);
    CHECK(disp - sc <= kUs);
    lagged |= sc < disp;
  }
  CHECK(lagged);
  CHECK(shell.syncs() < 17);
}

TEST_CASE("an exception thrown inside an SC_THREAD reaches sc_main") {
  Thrower t("thrower");
  std::string what;
  try {
    sc_start();
  } catch (const std::exception& e) {
    what = e.what();
  }
  CHECK(what.find("thrown inside an SC_THREAD") != std::string::npos);
}
