#pragma once
// A socket crossing on the DMA path without TLM's virtual base. A call through
// tlm_blocking_transport_if (a virtual base of the forward interface) enters a thunk
// that loads the vtable and then the vcall offset before the callee can start: two
// dependent loads at each of a TLP's three crossings, on its critical path. Our
// targets (PortSocket) also implement this plain interface; an initiator looks for it
// on its bound target once, after elaboration, and calls it directly, or calls
// b_transport as usual when the target is anyone else's.
#include <systemc>
#include <tlm>

namespace sim {

class DirectTransport {
 public:
  virtual void transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) = 0;

 protected:
  ~DirectTransport() = default;
};

// An initiator's call to the target its socket is bound to.
class TransportCall {
 public:
  // `fw`: the bound target's forward interface (the socket's operator-> once bound).
  void bind(tlm::tlm_fw_transport_if<>* fw) {
    direct_ = dynamic_cast<DirectTransport*>(fw);
    blocking_ = fw;
  }
  bool direct() const { return direct_ != nullptr; }
  void operator()(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) const {
    if (direct_)
      direct_->transport(gp, delay);
    else
      blocking_->b_transport(gp, delay);
  }

 private:
  DirectTransport* direct_ = nullptr;
  tlm::tlm_blocking_transport_if<>* blocking_ = nullptr;
};

}  // namespace sim
