#include "host-sw/iommufd/pin_ledger.h"

#include <stdexcept>

namespace sim {

Errno PinLedger::charge(AccountMode m, uint64_t pages, unsigned owner) {
  Process& p = procs_.at(owner);
  const bool charging = m != AccountMode::None;
  if (charging && p.limit && (p.charged + pages) * 4096 > p.limit) return Errno::Enomem;
  pinned_ += pages;
  p.pinned += pages;
  if (charging) {
    charged_ += pages;
    p.charged += pages;
  }
  return Errno::Ok;
}

void PinLedger::uncharge(AccountMode m, uint64_t pages, unsigned owner) {
  Process& p = procs_.at(owner);
  if (pages > p.pinned || (m != AccountMode::None && pages > p.charged))
    throw std::logic_error("pin ledger: uncharging more than was charged");
  pinned_ -= pages;
  p.pinned -= pages;
  if (m != AccountMode::None) {
    charged_ -= pages;
    p.charged -= pages;
  }
}

unsigned PinLedger::add_process(const std::string& name, uint64_t limit_bytes) {
  procs_.push_back({name, limit_bytes, 0, 0});
  return unsigned(procs_.size() - 1);
}

int PinLedger::find_process(const std::string& name) const {
  for (size_t i = 0; i < procs_.size(); ++i)
    if (procs_[i].name == name) return int(i);
  return -1;
}

}  // namespace sim
