#pragma once
// PCIe's transaction ordering at a root port (platform.pcie.ordering), for the requests
// that reach memory through the IOMMU. Under `strict` the rules of the PCIe Base
// Specification's ordering table (section 2.4.1, Transaction Ordering Rules) hold:
// a posted write may not pass an earlier posted write (A2a), nor may a read request
// (B2a), while posted writes may pass reads (A3, A4: no read holds a write). So a write
// whose translation misses holds every request behind it until it commits; the
// posted-write buffer those requests wait in is the posted credits the root complex
// advertises (platform.pcie.credits), which a held write keeps, so a full buffer stops
// the link. Relaxed Ordering and ID-Based Ordering attributes are not modelled (no TLP
// carries them), and every device is its own port.
#include <cstdint>

#include "models/base/units.h"
#include "models/config/named_values.h"

namespace sim {

enum class PcieOrdering : uint8_t {
  // Every request reaches memory when its own translation is ready, whatever came
  // before it: the model before ordering existed, kept as the default so every result
  // made without ordering (every golden in traces/) stays what it was.
  Relaxed,
  // The specification's rules above, per root port.
  Strict,
};
const NamedValues<PcieOrdering>& pcie_ordering_names();

// One ordering domain (a root port): in-order commit of its posted writes.
class PostedOrder {
 public:
  // The earliest time a request arriving now may reach memory: no earlier than the
  // commit of every posted write that arrived before it (posted writes and reads alike).
  Ps not_before() const { return committed_; }
  // A posted write whose translation was ready (or its fault known) at `ready`, taken
  // in arrival order, commits at the later of that and the previous write's commit;
  // returns when. A faulted write commits too (it is dropped there, in order).
  Ps commit_write(Ps ready);
  // A read whose translation was ready at `ready` reached memory at `at` (held to
  // not_before() when later): counted, never moves the commit point.
  void read(Ps ready, Ps at);

  uint64_t writes() const { return writes_; }
  uint64_t writes_held() const { return writes_held_; }  // committed later than ready
  Ps write_hold_ps() const { return write_hold_ps_; }    // total time they waited
  uint64_t reads_held() const { return reads_held_; }
  Ps read_hold_ps() const { return read_hold_ps_; }
  Ps max_hold_ps() const { return max_hold_ps_; }

 private:
  Ps committed_ = 0;
  uint64_t writes_ = 0, writes_held_ = 0, reads_held_ = 0;
  Ps write_hold_ps_ = 0, read_hold_ps_ = 0, max_hold_ps_ = 0;
};

}  // namespace sim
