#pragma once
// A blocking-transport target socket that calls its owner's member with the port it
// stands for. The tlm_utils target sockets reach the owner through three indirect calls
// per crossing (a virtual thunk, the binder, a stored member pointer), and every DMA TLP
// crosses three sockets; this one takes one virtual call, the member is called directly.
// Through its DirectTransport face (direct_transport_tlm.h), not even the thunk.
#include <systemc>
#include <tlm>

#include "models/tlm/direct_transport_tlm.h"

namespace sim {

// The forward interface is a public base so that an initiator can find DirectTransport
// from it (a cross cast); its members stay private here.
template <class Owner, void (Owner::*Transport)(int, tlm::tlm_generic_payload&, sc_core::sc_time&)>
class PortSocket : public tlm::tlm_target_socket<>,
                   public tlm::tlm_fw_transport_if<>,
                   public DirectTransport {
 public:
  PortSocket(const char* name, Owner* owner, int port)
      : tlm::tlm_target_socket<>(name), owner_(owner), port_(port) {
    bind(static_cast<tlm::tlm_fw_transport_if<>&>(*this));
  }

 private:
  // Flattened: the owner's member is inlined here, one frame per crossing, not two.
  [[gnu::flatten]] void transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
    (owner_->*Transport)(port_, gp, delay);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override {
    transport(gp, delay);
  }
  // Our models are loosely timed only: the other interfaces are never used.
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                     sc_core::sc_time&) override {
    SC_REPORT_FATAL(basename(), "nb_transport_fw: only blocking transport is modelled");
    return tlm::TLM_COMPLETED;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
  unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }

  Owner* owner_;
  int port_;
};

}  // namespace sim
