#include "host-sw/iommufd/pin_ledger.h"

#include <stdexcept>

namespace sim {

Errno PinLedger::charge(AccountMode m, uint64_t pages) {
  const bool charging = m != AccountMode::None;
  if (charging && limit_ && (charged_ + pages) * 4096 > limit_) return Errno::Enomem;
  pinned_ += pages;
  if (charging) charged_ += pages;
  return Errno::Ok;
}

void PinLedger::uncharge(AccountMode m, uint64_t pages) {
  if (pages > pinned_ || (m != AccountMode::None && pages > charged_))
    throw std::logic_error("pin ledger: uncharging more than was charged");
  pinned_ -= pages;
  if (m != AccountMode::None) charged_ -= pages;
}

}  // namespace sim
